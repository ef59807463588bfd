#include "protocol/file_info_json.hpp"

#include <charconv>
#include <cstdint>

#include "protocol/image_facts.hpp"

namespace imgsh::proto {
namespace {

// Length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates,
// nothing past U+10FFFF) starting at text[i], or 0 when there is none.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) -> unsigned { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0x100; };
  auto tail = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xbf) { return byte(k) >= lo && byte(k) <= hi; };
  unsigned lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return tail(1) ? 2 : 0;
  if (lead == 0xe0) return tail(1, 0xa0) && tail(2) ? 3 : 0;
  if (lead == 0xed) return tail(1, 0x80, 0x9f) && tail(2) ? 3 : 0;
  if (lead >= 0xe1 && lead <= 0xef) return tail(1) && tail(2) ? 3 : 0;
  if (lead == 0xf0) return tail(1, 0x90) && tail(2) && tail(3) ? 4 : 0;
  if (lead >= 0xf1 && lead <= 0xf3) return tail(1) && tail(2) && tail(3) ? 4 : 0;
  if (lead == 0xf4) return tail(1, 0x80, 0x8f) && tail(2) && tail(3) ? 4 : 0;
  return 0;
}

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_sequence(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

template <typename Int>
void put_number(std::string& out, Int value) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

void put_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    out += '\\';
    switch (c) {
      case '\b': out += 'b'; break;
      case '\t': out += 't'; break;
      case '\n': out += 'n'; break;
      case '\f': out += 'f'; break;
      case '\r': out += 'r'; break;
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      default:
        out += "u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

bool all_valid(const FileInfo& info) {
  if (!valid_utf8(info.name) || !valid_utf8(info.xxh3)) return false;
  if (!info.image) return true;
  const ImageFacts& f = *info.image;
  return (!f.capture_time || valid_utf8(*f.capture_time)) && (!f.camera_model || valid_utf8(*f.camera_model));
}

// Keys in byte order, as nlohmann's std::map keeps them:
// bit_depth camera_model capture_time color format height orientation progressive width.
void put_facts(std::string& out, const ImageFacts& f) {
  out += "{\"bit_depth\":";
  put_number(out, unsigned{f.bit_depth});
  if (f.camera_model) {
    out += ",\"camera_model\":";
    put_escaped(out, *f.camera_model);
  }
  if (f.capture_time) {
    out += ",\"capture_time\":";
    put_escaped(out, *f.capture_time);
  }
  out += ",\"color\":";
  put_escaped(out, to_string(f.color));
  out += f.format == ImageKind::png ? ",\"format\":\"png\"" : ",\"format\":\"jpeg\"";
  out += ",\"height\":";
  put_number(out, f.height);
  if (f.orientation) {
    out += ",\"orientation\":";
    put_number(out, unsigned{*f.orientation});
  }
  out += f.progressive ? ",\"progressive\":true" : ",\"progressive\":false";
  out += ",\"width\":";
  put_number(out, f.width);
  out += '}';
}

}  // namespace

bool append_json_string(std::string& out, std::string_view text) {
  if (!valid_utf8(text)) return false;
  put_escaped(out, text);
  return true;
}

void append_file_info_json(std::string& out, const FileInfo& info) {
  if (!all_valid(info)) {
    out += to_json(info).dump();  // throws nlohmann's type_error, as the document always did
    return;
  }
  // Keys in byte order: image mtime name size xxh3.
  out += '{';
  if (info.image) {
    out += "\"image\":";
    put_facts(out, *info.image);
    out += ',';
  }
  out += "\"mtime\":";
  put_number(out, info.mtime);
  out += ",\"name\":";
  put_escaped(out, info.name);
  out += ",\"size\":";
  put_number(out, info.size);
  if (!info.xxh3.empty()) {
    out += ",\"xxh3\":";
    put_escaped(out, info.xxh3);
  }
  out += '}';
}

}  // namespace imgsh::proto
