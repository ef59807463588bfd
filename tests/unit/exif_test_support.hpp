#pragma once
// EXIF blocks built by hand (exiftool is not in the stack): a TIFF header, IFD0 with
// Model, Orientation and a pointer to the EXIF IFD holding DateTimeOriginal, in either
// byte order; and a JPEG with the block in an APP1 segment.
#include <cstdint>
#include <optional>
#include <string>

#include "image_test_support.hpp"

namespace imgsh::proto::test_support {

struct ExifSpec {
  bool big_endian = false;
  std::optional<std::uint16_t> orientation;
  std::optional<std::string> model;
  std::optional<std::string> date_time_original;  // EXIF form, "YYYY:MM:DD HH:MM:SS"
};

class TiffWriter {
 public:
  explicit TiffWriter(bool big_endian) : be_(big_endian) {}
  void u16(Bytes& b, std::uint32_t v) const {
    std::uint8_t lo = static_cast<std::uint8_t>(v), hi = static_cast<std::uint8_t>(v >> 8);
    b.push_back(be_ ? hi : lo);
    b.push_back(be_ ? lo : hi);
  }
  void u32(Bytes& b, std::uint32_t v) const {
    if (be_) {
      u16(b, v >> 16);
      u16(b, v & 0xFFFF);
    } else {
      u16(b, v & 0xFFFF);
      u16(b, v >> 16);
    }
  }
  void patch32(Bytes& b, std::size_t at, std::uint32_t v) const {
    Bytes t;
    u32(t, v);
    std::copy(t.begin(), t.end(), b.begin() + static_cast<std::ptrdiff_t>(at));
  }

 private:
  bool be_;
};

inline Bytes exif_tiff(const ExifSpec& s) {
  TiffWriter w(s.big_endian);
  Bytes b = s.big_endian ? Bytes{'M', 'M', 0, 42} : Bytes{'I', 'I', 42, 0};
  w.u32(b, 8);
  int n = (s.model ? 1 : 0) + (s.orientation ? 1 : 0) + 1;
  std::uint32_t data_at = 8 + 2 + 12 * static_cast<std::uint32_t>(n) + 4;
  Bytes model;
  if (s.model) {
    model = to_bytes(*s.model);
    model.push_back(0);
    if (model.size() % 2) model.push_back(0);
  }
  std::uint32_t exif_ifd_at = data_at + static_cast<std::uint32_t>(model.size());
  w.u16(b, static_cast<std::uint32_t>(n));
  if (s.model) {  // tags in ascending order: 0x0110, 0x0112, 0x8769
    w.u16(b, 0x0110);
    w.u16(b, 2);
    w.u32(b, static_cast<std::uint32_t>(s.model->size() + 1));
    w.u32(b, data_at);
  }
  if (s.orientation) {
    w.u16(b, 0x0112);
    w.u16(b, 3);
    w.u32(b, 1);
    w.u16(b, *s.orientation);
    w.u16(b, 0);
  }
  w.u16(b, 0x8769);
  w.u16(b, 4);
  w.u32(b, 1);
  w.u32(b, exif_ifd_at);
  w.u32(b, 0);  // no IFD1
  b.insert(b.end(), model.begin(), model.end());
  // The EXIF IFD: DateTimeOriginal, 20 bytes stored after the IFD.
  w.u16(b, s.date_time_original ? 1 : 0);
  if (s.date_time_original) {
    w.u16(b, 0x9003);
    w.u16(b, 2);
    w.u32(b, 20);
    w.u32(b, exif_ifd_at + 2 + 12 + 4);
  }
  w.u32(b, 0);
  if (s.date_time_original) {
    Bytes t = to_bytes(*s.date_time_original);
    t.resize(20, 0);
    b.insert(b.end(), t.begin(), t.end());
  }
  return b;
}

// An APP1 segment (FF E1, length, payload) inserted right after the SOI of `jpeg`.
inline Bytes with_app1(const Bytes& jpeg, const Bytes& payload) {
  Bytes seg{0xFF, 0xE1};
  std::size_t len = payload.size() + 2;
  seg.push_back(static_cast<std::uint8_t>(len >> 8));
  seg.push_back(static_cast<std::uint8_t>(len));
  seg.insert(seg.end(), payload.begin(), payload.end());
  Bytes out(jpeg.begin(), jpeg.begin() + 2);
  out.insert(out.end(), seg.begin(), seg.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

inline Bytes exif_app1_payload(const ExifSpec& s) {
  Bytes p{'E', 'x', 'i', 'f', 0, 0};
  Bytes t = exif_tiff(s);
  p.insert(p.end(), t.begin(), t.end());
  return p;
}

}  // namespace imgsh::proto::test_support
