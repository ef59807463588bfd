# The two commands of README.md: `make run` and `make test`. Each installs the
# Debian packages it needs (scripts/deps.sh), configures and builds first.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
# Warnings are errors in every build made here (and so in CI), not in a packager's
# plain `cmake` build, where IMGSH_WERROR is off.
DEV_FLAGS := -DIMGSH_WERROR=ON
# The package test (tests/package) packs build-release, the tree `make release` builds,
# so `make check` compiles the Release programs once, whichever suite runs first.
DEB_TREE := -DIMGSH_DEB_TREE=$(CURDIR)/build-release
MAKEFLAGS += --no-print-directory

.PHONY: all deps build run test check release deb asan tsan bench clean

all: build

deps:
	@scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) $(DEV_FLAGS) $(DEB_TREE) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

run: build
	@scripts/run-demo.sh $(BUILD)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

# What CI runs (.ci/run): the suite, a Release build of the programs (g++ warns
# differently at -O3), then the suite again under ASan+UBSan and under TSan.
check: release test asan tsan

# The programs, man pages and unit as released (-O3, no tests), laid out for /usr.
release: deps
	cmake -S . -B build-release $(DEV_FLAGS) -DCMAKE_BUILD_TYPE=Release -DIMGSH_TESTS=OFF \
	  -DCMAKE_INSTALL_PREFIX=/usr -DIMGSH_SYSTEMD_UNIT_DIR=/lib/systemd/system
	cmake --build build-release -j$(JOBS)

# A Debian package of the Release build: build-release/imgsh_VERSION_ARCH.deb.
deb: release
	cd build-release && cpack -G DEB

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
	rm -rf build build-release build-asan build-tsan
