#!/usr/bin/env bash
# Builds the libFuzzer target (fuzz_frames.cpp + the protocol sources it covers) with
# clang++-14, ASan and UBSan, and runs it for SECONDS (default 60) on a copy of the seed
# corpus. Usage: run.sh [SECONDS] [OUT_DIR] [extra libFuzzer flags...]
# The main build uses g++; libFuzzer needs clang, hence this separate, small build.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/../.." && pwd)"
seconds="${1:-60}"
out="${2:-$src/build-fuzz}"
shift $(( $# > 2 ? 2 : $# ))
mkdir -p "$out/corpus" "$out/artifacts"

cxx="${CLANGXX:-clang++-14}"
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I"$src")
sources=(error_code names image_sniff frame_codec messages image_facts checksum)
binary="$out/fuzz_frames"
newest_source="$(ls -t "$here/fuzz_frames.cpp" "$src"/protocol/*.cpp "$src"/protocol/*.hpp "$0" | head -1)"
if [ ! -x "$binary" ] || [ "$newest_source" -nt "$binary" ]; then
  echo "fuzz: building $binary with $cxx" >&2
  objects=()
  for s in "${sources[@]}"; do
    "$cxx" "${flags[@]}" -c "$src/protocol/$s.cpp" -o "$out/$s.o" &
    objects+=("$out/$s.o")
  done
  wait
  "$cxx" "${flags[@]}" "$here/fuzz_frames.cpp" "${objects[@]}" -lxxhash -lutf8proc -o "$binary"
fi

# New inputs go to the build directory's corpus; the seeds in the tree stay as they are.
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$out/artifacts/" "$@" "$out/corpus" "$here/corpus"
