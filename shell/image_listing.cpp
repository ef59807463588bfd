#include "shell/image_listing.hpp"

#include <langinfo.h>
#include <locale.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "protocol/display_text.hpp"
#include "shell/columns.hpp"
#include "shell/progress_bar.hpp"

namespace imgsh::shell {
namespace {

std::string minute_time(std::int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

std::string format_name(const proto::ImageFacts& f) { return f.format == proto::ImageKind::png ? "PNG" : "JPEG"; }

std::string pad_left(const std::string& s, std::size_t width) {
  std::size_t w = display_width(s);
  return w >= width ? s : std::string(width - w, ' ') + s;
}

std::string pad_right(const std::string& s, std::size_t width) {
  std::size_t w = display_width(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

std::string color_text(proto::ColorModel c) {
  switch (c) {
    case proto::ColorModel::gray: return "grayscale";
    case proto::ColorModel::gray_alpha: return "grayscale with alpha";
    case proto::ColorModel::rgb: return "RGB";
    case proto::ColorModel::rgba: return "RGB with alpha";
    case proto::ColorModel::palette: return "palette";
    case proto::ColorModel::ycbcr: return "YCbCr";
    case proto::ColorModel::cmyk: return "CMYK";
    case proto::ColorModel::ycck: return "YCCK";
  }
  return "unknown";
}

// EXIF orientation, in exiftool's words.
std::string orientation_text(std::uint8_t o) {
  static const char* const kText[] = {"",
                                      "normal",
                                      "mirror horizontal",
                                      "rotate 180",
                                      "mirror vertical",
                                      "mirror horizontal and rotate 270 CW",
                                      "rotate 90 CW",
                                      "mirror horizontal and rotate 90 CW",
                                      "rotate 270 CW"};
  return std::to_string(o) + (o >= 1 && o <= 8 ? std::string(" (") + kText[o] + ")" : "");
}

}  // namespace

std::string with_thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

bool locale_is_utf8() {
  locale_t loc = ::newlocale(LC_CTYPE_MASK, "", static_cast<locale_t>(0));
  if (loc == static_cast<locale_t>(0)) return false;
  const char* codeset = ::nl_langinfo_l(CODESET, loc);
  bool utf8 = codeset && (std::strcmp(codeset, "UTF-8") == 0 || std::strcmp(codeset, "utf8") == 0);
  ::freelocale(loc);
  return utf8;
}

std::string dimensions(const proto::ImageFacts& facts, bool utf8) {
  return std::to_string(facts.width) + (utf8 ? "\u00d7" : "x") + std::to_string(facts.height);
}

std::string format_image_listing(const std::vector<ListedFile>& files, bool human, bool utf8) {
  struct Row {
    std::string size, time, dims, format, name;
  };
  std::vector<Row> rows;
  std::size_t size_w = 0, dims_w = 0, format_w = 0;
  for (const auto& f : files) {
    Row r{human ? human_size(f.size) : with_thousands(f.size), minute_time(f.mtime),
          f.image ? dimensions(*f.image, utf8) : "-", f.image ? format_name(*f.image) : "-",
          proto::escape_for_display(f.name)};
    size_w = std::max(size_w, display_width(r.size));
    dims_w = std::max(dims_w, display_width(r.dims));
    format_w = std::max(format_w, display_width(r.format));
    rows.push_back(std::move(r));
  }
  std::string out;
  for (const auto& r : rows) {
    out += "  " + pad_left(r.size, size_w) + "  " + r.time + "  " + pad_left(r.dims, dims_w) + "  " +
           pad_right(r.format, format_w) + "  " + r.name + "\n";
  }
  return out;
}

std::string format_file_facts(const proto::FileInfo& info, bool utf8) {
  std::vector<std::pair<std::string, std::string>> lines = {
      {"name", proto::escape_for_display(info.name)},
      {"size", std::to_string(info.size)},  // bytes, plain: scripts read these lines
      {"modified", format_time(info.mtime)},
      {"xxh3", proto::escape_for_display(info.xxh3)},
  };
  if (const auto& f = info.image) {
    lines.push_back({"format", format_name(*f)});
    lines.push_back({"dimensions", dimensions(*f, utf8)});
    lines.push_back({"bit depth", std::to_string(f->bit_depth)});
    lines.push_back({"colour", color_text(f->color)});
    lines.push_back({f->format == proto::ImageKind::png ? "interlaced" : "progressive", f->progressive ? "yes" : "no"});
    if (f->capture_time) lines.push_back({"taken", proto::escape_for_display(*f->capture_time)});
    if (f->orientation) lines.push_back({"orientation", orientation_text(*f->orientation)});
    if (f->camera_model) lines.push_back({"camera", proto::escape_for_display(*f->camera_model)});
  } else {
    lines.push_back({"image", "no facts (the server could not read its header)"});
  }
  std::string out;
  for (const auto& [label, value] : lines) out += label + ": " + value + "\n";
  return out;
}

}  // namespace imgsh::shell
