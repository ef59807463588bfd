# The two commands of README.md: `make run` and `make test`. Each installs the
# Debian packages it needs (scripts/deps.sh), configures and builds first.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
MAKEFLAGS += --no-print-directory

.PHONY: all deps build run test check asan tsan bench clean

all: build

deps:
	@scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

run: build
	@scripts/run-demo.sh $(BUILD)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

# What CI runs (.ci/run): the suite, then the suite again under ASan+UBSan and under TSan.
check: test asan tsan

# Sanitizer builds of the whole suite.
asan:
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DIMGSH_ASAN=ON"

tsan:
	$(MAKE) test BUILD=build-tsan CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DIMGSH_TSAN=ON"

# Figures, not a test: imgsh against socat, nginx+curl/wrk and sftp on loopback, medians
# and ratios in one table (tests/bench/README.md). Installs its peers when missing.
bench: build
	tests/bench/run_bench.sh $(BENCH_ARGS)

clean:
	rm -rf build build-asan build-tsan
