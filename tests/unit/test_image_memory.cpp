// Validation runs in bounded memory whatever the file size (protocol/image_check.hpp):
// the file is read through one buffer, metadata nobody keeps is skipped piece by piece.
// Each test streams a ~96 MB file to disk and checks that validating it raises the
// process's peak resident memory (VmHWM) by far less than the file's size.
#include <zlib.h>

#include <gtest/gtest.h>

#include "image_test_support.hpp"
#include "protocol/image_check.hpp"

namespace imgsh::proto {
namespace {

using namespace test_support;

constexpr std::size_t kPiece = 1 << 20;
constexpr int kPieces = 96;  // 96 MiB of padding

// A field of /proc/self/status in KiB ("VmRSS", "VmHWM").
long status_kib(std::string_view key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ':') {
      return std::stol(line.substr(key.size() + 1));
    }
  }
  ADD_FAILURE() << "no " << key << " in /proc/self/status";
  return 0;
}

void append(std::ofstream& out, const Bytes& b) {
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// Validates `path` and returns how far (KiB) the resident memory peaked above where it
// started. The peak is reset first (Linux: 5 > /proc/self/clear_refs), so an earlier
// test's peak in the same process cannot hide this one's.
long growth_kib(const fs::path& path) {
  {
    std::ofstream reset("/proc/self/clear_refs");
    reset << "5";
  }
  long before = status_kib("VmRSS");
  EXPECT_LE(status_kib("VmHWM"), before + 1024) << "the peak was not reset";
  ImageCheck r = check_path(path);
  EXPECT_TRUE(r.ok()) << describe(r);
  return status_kib("VmHWM") - before;
}

// A private ancillary chunk ("prIv") of 96 MiB between IHDR and IDAT, written in pieces
// with its CRC computed on the way: libspng must read it (the CRC is checked) and drop it.
TEST(ImageMemory, PngWithHugeChunkIsValidatedInBoundedMemory) {
  ScratchDir dir;
  Bytes png = hand_png(64, 64, 8, 2, 3);
  const std::size_t ihdr_end = 8 + 25;
  fs::path p = dir / "huge.png";
  {
    std::ofstream out(p, std::ios::binary);
    append(out, Bytes(png.begin(), png.begin() + ihdr_end));
    Bytes head;
    put_be32(head, static_cast<std::uint32_t>(kPiece * kPieces));
    Bytes type = to_bytes("prIv");
    head.insert(head.end(), type.begin(), type.end());
    append(out, head);
    uLong crc = ::crc32(0, type.data(), 4);
    Bytes piece(kPiece, 0xA5);
    for (int i = 0; i < kPieces; ++i) {
      crc = ::crc32(crc, piece.data(), static_cast<uInt>(piece.size()));
      append(out, piece);
    }
    Bytes tail;
    put_be32(tail, static_cast<std::uint32_t>(crc));
    append(out, tail);
    append(out, Bytes(png.begin() + ihdr_end, png.end()));
  }
  ASSERT_GT(fs::file_size(p), kPiece * kPieces);
  EXPECT_LT(growth_kib(p), 16 * 1024) << "validation must not hold the file in memory";
}

// 1,536 APP1 segments of 64 KiB each (XMP-like) in front of the frame: only the first
// EXIF segment is kept, every other one is skipped as it streams past.
TEST(ImageMemory, JpegWithManyApp1SegmentsIsValidatedInBoundedMemory) {
  ScratchDir dir;
  fs::path in = write_pnm(dir, "in.ppm", 64, 48, 3);
  run("cjpeg " + quoted(in) + " > " + quoted(dir / "small.jpg"));
  Bytes jpg = read_bytes(dir / "small.jpg");
  fs::path p = dir / "many.jpg";
  {
    std::ofstream out(p, std::ios::binary);
    append(out, Bytes(jpg.begin(), jpg.begin() + 2));
    Bytes seg{0xFF, 0xE1, 0xFF, 0xFF};
    Bytes id = to_bytes("http://ns.adobe.com/xap/1.0/");
    seg.insert(seg.end(), id.begin(), id.end());
    seg.resize(2 + 0xFFFF, ' ');
    for (int i = 0; i < kPieces * 16; ++i) append(out, seg);
    append(out, Bytes(jpg.begin() + 2, jpg.end()));
  }
  ASSERT_GT(fs::file_size(p), kPiece * kPieces);
  EXPECT_LT(growth_kib(p), 16 * 1024) << "validation must not keep the segments";
}

}  // namespace
}  // namespace imgsh::proto
