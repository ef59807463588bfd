#!/usr/bin/env bash
# Builds the image validation fuzz target (fuzz_images.cpp + the protocol sources it
# covers) with clang++-14, ASan and UBSan, and runs it for SECONDS (default 60) on seeds
# from tests/data. Not part of make test. Usage: run_images.sh [SECONDS] [OUT_DIR] [flags...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/../.." && pwd)"
seconds="${1:-60}"
out="${2:-$src/build-fuzz-images}"
shift $(( $# > 2 ? 2 : $# ))
mkdir -p "$out/corpus" "$out/artifacts" "$out/seeds"
cp "$src"/tests/data/*.png "$src"/tests/data/*.PNG "$src"/tests/data/*.jp*g "$out/seeds/"

cxx="${CLANGXX:-clang++-14}"
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I"$src")
sources=(error_code names image_sniff image_facts image_check fd_reader png_chunk_tracker png_check jpeg_check exif_facts)
binary="$out/fuzz_images"
newest_source="$(ls -t "$here/fuzz_images.cpp" "$src"/protocol/*.cpp "$src"/protocol/*.hpp "$0" | head -1)"
if [ ! -x "$binary" ] || [ "$newest_source" -nt "$binary" ]; then
  echo "fuzz: building $binary with $cxx" >&2
  objects=()
  for s in "${sources[@]}"; do
    "$cxx" "${flags[@]}" -c "$src/protocol/$s.cpp" -o "$out/$s.o" &
    objects+=("$out/$s.o")
  done
  wait
  "$cxx" "${flags[@]}" "$here/fuzz_images.cpp" "${objects[@]}" -lspng -ljpeg -lexif -lz -lutf8proc -o "$binary"
fi

"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$out/artifacts/" "$@" "$out/corpus" "$out/seeds"
