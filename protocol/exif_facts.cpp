#include "protocol/exif_facts.hpp"

#include <libexif/exif-data.h>
#include <libexif/exif-utils.h>

#include <cctype>
#include <memory>
#include <vector>

namespace imgsh::proto {
namespace {

struct ExifDataFree {
  void operator()(ExifData* d) const { exif_data_unref(d); }
};

std::string_view entry_text(const ExifEntry* e) {
  if (!e || e->format != EXIF_FORMAT_ASCII || !e->data) return {};
  return {reinterpret_cast<const char*>(e->data), e->size};
}

bool digits(std::string_view s, std::size_t at, std::size_t n) {
  for (std::size_t i = at; i < at + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

int number(std::string_view s, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

}  // namespace

std::optional<std::string> exif_time_to_iso(std::string_view t) {
  if (auto nul = t.find('\0'); nul != std::string_view::npos) t = t.substr(0, nul);
  // YYYY:MM:DD HH:MM:SS
  if (t.size() != 19 || t[4] != ':' || t[7] != ':' || t[10] != ' ' || t[13] != ':' || t[16] != ':') return std::nullopt;
  if (!digits(t, 0, 4) || !digits(t, 5, 2) || !digits(t, 8, 2) || !digits(t, 11, 2) || !digits(t, 14, 2) ||
      !digits(t, 17, 2)) {
    return std::nullopt;
  }
  int month = number(t, 5, 2), day = number(t, 8, 2);
  if (number(t, 0, 4) == 0 || month < 1 || month > 12 || day < 1 || day > 31 || number(t, 11, 2) > 23 ||
      number(t, 14, 2) > 59 || number(t, 17, 2) > 60) {
    return std::nullopt;
  }
  std::string iso(t);
  iso[4] = '-';
  iso[7] = '-';
  iso[10] = 'T';
  return iso;
}

std::optional<std::string> exif_printable(std::string_view text) {
  if (auto nul = text.find('\0'); nul != std::string_view::npos) text = text.substr(0, nul);
  std::string out;
  for (char c : text) {
    if (c >= 0x20 && c < 0x7F && out.size() < 64) out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  while (!out.empty() && out.front() == ' ') out.erase(out.begin());
  if (out.empty()) return std::nullopt;
  return out;
}

void read_exif_facts(std::span<const std::uint8_t> tiff, ImageFacts& facts) {
  if (tiff.size() < 8 || tiff.size() > 0xFFFF'FFF0u) return;
  // libexif recognises a block by the APP1 identifier in front of the TIFF header.
  static constexpr std::uint8_t kExifHeader[] = {'E', 'x', 'i', 'f', 0, 0};
  std::vector<std::uint8_t> block(std::begin(kExifHeader), std::end(kExifHeader));
  block.insert(block.end(), tiff.begin(), tiff.end());

  std::unique_ptr<ExifData, ExifDataFree> data(exif_data_new());
  if (!data) return;
  exif_data_load_data(data.get(), block.data(), static_cast<unsigned int>(block.size()));
  ExifByteOrder order = exif_data_get_byte_order(data.get());

  if (auto t = exif_time_to_iso(entry_text(exif_content_get_entry(data->ifd[EXIF_IFD_EXIF], EXIF_TAG_DATE_TIME_ORIGINAL)))) {
    facts.capture_time = *t;
  }
  const ExifEntry* o = exif_content_get_entry(data->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
  if (o && o->format == EXIF_FORMAT_SHORT && o->components >= 1 && o->data && o->size >= 2) {
    ExifShort v = exif_get_short(o->data, order);
    if (v >= 1 && v <= 8) facts.orientation = static_cast<std::uint8_t>(v);
  }
  if (auto model = exif_printable(entry_text(exif_content_get_entry(data->ifd[EXIF_IFD_0], EXIF_TAG_MODEL)))) {
    facts.camera_model = *model;
  }
}

}  // namespace imgsh::proto
