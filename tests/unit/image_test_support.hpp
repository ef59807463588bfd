#pragma once
// Helpers shared by the image validation tests: a scratch directory, real encoders run at
// test time (cjpeg, ImageMagick, netpbm) on deterministic pixels, PNG chunks built by hand
// with zlib, EXIF blocks built by hand, and ImageMagick's identify as an outside referee.
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/image_check.hpp"
#include "protocol/unique_fd.hpp"

namespace imgsh::proto::test_support {

using Bytes = std::vector<std::uint8_t>;
namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "imgsh-image-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) ? fs::path(pattern) : fs::path();
    EXPECT_FALSE(path_.empty()) << "mkdtemp failed";
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  fs::path operator/(std::string_view name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline Bytes read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const fs::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Runs a shell command; its stdout, or a test failure naming it when it exits non-zero.
inline std::string run(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) {
    ADD_FAILURE() << "cannot run: " << command;
    return out;
  }
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  EXPECT_EQ(status, 0) << "failed: " << command;
  return out;
}

inline std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// A deterministic picture: gradients plus seeded noise, so encoders have real work.
inline Bytes pixels(std::uint32_t w, std::uint32_t h, int channels, std::uint32_t seed = 1) {
  Bytes out;
  out.reserve(std::size_t{w} * h * channels);
  std::uint32_t state = seed;
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      for (int c = 0; c < channels; ++c) {
        state = state * 1664525u + 1013904223u;
        auto v = (x * 255 / (w ? w : 1)) * (c == 0) + (y * 255 / (h ? h : 1)) * (c == 1) + ((x + y) & 0xFF) * (c >= 2);
        out.push_back(static_cast<std::uint8_t>(v + ((state >> 24) & 0x1F)));
      }
    }
  }
  return out;
}

// A binary PPM (3 channels) or PGM (1 channel) of pixels(), the input of every encoder.
inline fs::path write_pnm(const ScratchDir& dir, std::string_view name, std::uint32_t w, std::uint32_t h, int channels,
                          std::uint32_t seed = 1) {
  std::string head = std::string(channels == 1 ? "P5" : "P6") + "\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
  Bytes b = to_bytes(head);
  Bytes px = pixels(w, h, channels, seed);
  b.insert(b.end(), px.begin(), px.end());
  fs::path p = dir / name;
  write_bytes(p, b);
  return p;
}

// ImageMagick's own reading of a file: "WIDTH HEIGHT".
inline std::string identify_size(const fs::path& p) { return run("identify -format '%w %h' " + quoted(p)); }

inline void put_be32(Bytes& out, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// One PNG chunk: length, type, data, CRC over type and data.
inline Bytes png_chunk(std::string_view type, const Bytes& data) {
  Bytes out;
  put_be32(out, static_cast<std::uint32_t>(data.size()));
  Bytes body = to_bytes(type);
  body.insert(body.end(), data.begin(), data.end());
  out.insert(out.end(), body.begin(), body.end());
  put_be32(out, static_cast<std::uint32_t>(::crc32(0, body.data(), static_cast<uInt>(body.size()))));
  return out;
}

inline Bytes png_ihdr(std::uint32_t w, std::uint32_t h, std::uint8_t depth, std::uint8_t color_type,
                      std::uint8_t interlace = 0) {
  Bytes d;
  put_be32(d, w);
  put_be32(d, h);
  for (std::uint8_t b : {depth, color_type, std::uint8_t{0}, std::uint8_t{0}, interlace}) d.push_back(b);
  return png_chunk("IHDR", d);
}

inline const Bytes kPngSignature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

// A whole non-interlaced PNG by hand: signature, IHDR, `extra` chunks, the raw scanlines
// (filter byte 0 each) deflated into one IDAT, IEND.
inline Bytes hand_png(std::uint32_t w, std::uint32_t h, std::uint8_t depth, std::uint8_t color_type, int channels,
                      const Bytes& extra = {}) {
  std::size_t row = (std::size_t{w} * channels * depth + 7) / 8;
  Bytes raw;
  Bytes px = pixels(static_cast<std::uint32_t>(row), h, 1);
  for (std::uint32_t y = 0; y < h; ++y) {
    raw.push_back(0);
    raw.insert(raw.end(), px.begin() + static_cast<std::ptrdiff_t>(y * row), px.begin() + static_cast<std::ptrdiff_t>((y + 1) * row));
  }
  uLongf zlen = ::compressBound(static_cast<uLong>(raw.size()));
  Bytes z(zlen);
  EXPECT_EQ(::compress2(z.data(), &zlen, raw.data(), static_cast<uLong>(raw.size()), 6), Z_OK);
  z.resize(zlen);
  Bytes out = kPngSignature;
  for (const Bytes& part : {png_ihdr(w, h, depth, color_type), extra, png_chunk("IDAT", z), png_chunk("IEND", {})}) {
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

// Validates a file on disk under `name` (by default its own file name).
inline ImageCheck check_path(const fs::path& p, std::string_view name = {}, const ImageLimits& limits = {}) {
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  EXPECT_TRUE(fd) << "cannot open " << p;
  std::string n = name.empty() ? p.filename().string() : std::string(name);
  return check_image_file(fd.get(), n, limits);
}

// Writes bytes under `name` in `dir` and validates them.
inline ImageCheck check_bytes(const ScratchDir& dir, std::string_view name, const Bytes& b, const ImageLimits& limits = {}) {
  fs::path p = dir / name;
  write_bytes(p, b);
  return check_path(p, name, limits);
}

inline std::string describe(const ImageCheck& c) {
  return c.problem ? std::string(to_string(c.problem->code)) + ": " + c.problem->message : "ok";
}

}  // namespace imgsh::proto::test_support
