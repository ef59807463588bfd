#!/usr/bin/env bash
# Builds a libFuzzer target with clang++-14, ASan and UBSan, and runs it for SECONDS
# (default 60). The main build uses g++; libFuzzer needs clang, hence this separate, small build.
# Usage: run.sh TARGET [SECONDS] [OUT_DIR] [extra libFuzzer flags...]
#   frames  fuzz_frames.cpp: the frame decoder and header parsers (part of make test),
#           seeds in tests/fuzz/corpus
#   images  fuzz_images.cpp: the image validator (not part of make test), seeds from tests/data
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/../.." && pwd)"
target="${1:?usage: run.sh frames|images [SECONDS] [OUT_DIR] [libFuzzer flags...]}"
seconds="${2:-60}"
out="${3:-$src/build-fuzz-$target}"
shift $(( $# > 3 ? 3 : $# ))

case "$target" in
  frames)
    sources=(error_code names image_sniff frame_codec messages file_info_json list_body_decoder image_facts checksum)
    libs=(-lxxhash -lutf8proc)
    seeds="$here/corpus" ;;
  images)
    sources=(error_code names image_sniff image_facts image_check fd_reader png_chunk_tracker png_check png_image_data jpeg_check exif_facts)
    libs=(-lspng -lisal -ljpeg -lexif -lz -lutf8proc)
    seeds="$out/seeds"
    mkdir -p "$seeds"
    cp "$src"/tests/data/*.png "$src"/tests/data/*.PNG "$src"/tests/data/*.jp*g "$seeds/" ;;
  *) echo "run.sh: unknown target '$target' (frames or images)" >&2; exit 2 ;;
esac
mkdir -p "$out/corpus" "$out/artifacts"

cxx="${CLANGXX:-clang++-14}"
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I"$src")
binary="$out/fuzz_$target"
newest_source="$(ls -t "$here/fuzz_$target.cpp" "$src"/protocol/*.cpp "$src"/protocol/*.hpp "$0" | head -1)"
if [ ! -x "$binary" ] || [ "$newest_source" -nt "$binary" ]; then
  echo "fuzz: building $binary with $cxx" >&2
  objects=()
  for s in "${sources[@]}"; do
    "$cxx" "${flags[@]}" -c "$src/protocol/$s.cpp" -o "$out/$s.o" &
    objects+=("$out/$s.o")
  done
  wait
  "$cxx" "${flags[@]}" "$here/fuzz_$target.cpp" "${objects[@]}" "${libs[@]}" -o "$binary"
fi

# New inputs go to the build directory's corpus; the seeds stay as they are.
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$out/artifacts/" "$@" "$out/corpus" "$seeds"
