#include "protocol/file_info_json.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>

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

// Writes into room reserved up front (the worst case: every string byte escaped to six),
// so each piece is a memcpy or a to_chars, not a std::string append with its checks.
class Cursor {
 public:
  explicit Cursor(char* at) : p_(at) {}
  char* end() const { return p_; }

  void raw(std::string_view text) {
    std::memcpy(p_, text.data(), text.size());
    p_ += text.size();
  }
  template <typename Int>
  void number(Int value) {
    p_ = std::to_chars(p_, p_ + 24, value).ptr;
  }
  void string(std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    *p_++ = '"';
    std::size_t run = 0;  // start of the bytes not yet copied
    for (std::size_t i = 0; i < text.size(); ++i) {
      auto c = static_cast<unsigned char>(text[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      raw(text.substr(run, i - run));
      run = i + 1;
      *p_++ = '\\';
      switch (c) {
        case '\b': *p_++ = 'b'; break;
        case '\t': *p_++ = 't'; break;
        case '\n': *p_++ = 'n'; break;
        case '\f': *p_++ = 'f'; break;
        case '\r': *p_++ = 'r'; break;
        case '"': *p_++ = '"'; break;
        case '\\': *p_++ = '\\'; break;
        default:
          raw("u00");
          *p_++ = kHex[c >> 4];
          *p_++ = kHex[c & 0xf];
      }
    }
    raw(text.substr(run));
    *p_++ = '"';
  }

 private:
  char* p_;
};

// Bytes the entry may take at most: its keys and numbers, and each string escaped whole.
std::size_t worst_case(const FileInfo& info) {
  std::size_t strings = info.name.size() + info.xxh3.size();
  if (info.image) {
    strings += info.image->capture_time ? info.image->capture_time->size() : 0;
    strings += info.image->camera_model ? info.image->camera_model->size() : 0;
    strings += to_string(info.image->color).size();
  }
  return 512 + 6 * strings + 2 * 8;
}

bool all_valid(const FileInfo& info) {
  if (!valid_utf8(info.name) || !valid_utf8(info.xxh3)) return false;
  if (!info.image) return true;
  const ImageFacts& f = *info.image;
  return (!f.capture_time || valid_utf8(*f.capture_time)) && (!f.camera_model || valid_utf8(*f.camera_model));
}

// Keys in byte order, as nlohmann's std::map keeps them:
// bit_depth camera_model capture_time color format height orientation progressive width.
void put_facts(Cursor& out, const ImageFacts& f) {
  out.raw("{\"bit_depth\":");
  out.number(unsigned{f.bit_depth});
  if (f.camera_model) {
    out.raw(",\"camera_model\":");
    out.string(*f.camera_model);
  }
  if (f.capture_time) {
    out.raw(",\"capture_time\":");
    out.string(*f.capture_time);
  }
  out.raw(",\"color\":");
  out.string(to_string(f.color));
  out.raw(f.format == ImageKind::png ? ",\"format\":\"png\"" : ",\"format\":\"jpeg\"");
  out.raw(",\"height\":");
  out.number(f.height);
  if (f.orientation) {
    out.raw(",\"orientation\":");
    out.number(unsigned{*f.orientation});
  }
  out.raw(f.progressive ? ",\"progressive\":true" : ",\"progressive\":false");
  out.raw(",\"width\":");
  out.number(f.width);
  out.raw("}");
}

}  // namespace

bool append_json_string(std::string& out, std::string_view text) {
  if (!valid_utf8(text)) return false;
  std::size_t at = out.size();
  out.resize(at + 2 + 6 * text.size());
  Cursor cursor(out.data() + at);
  cursor.string(text);
  out.resize(static_cast<std::size_t>(cursor.end() - out.data()));
  return true;
}

void append_file_info_json(std::string& out, const FileInfo& info) {
  if (!all_valid(info)) {
    out += to_json(info).dump();  // throws nlohmann's type_error, as the document always did
    return;
  }
  // Written on the stack when the worst case fits (ordinary names and EXIF text), else
  // in a string of its own, then appended once: no zero-filled room in `out`.
  char stack[2048];
  std::string heap;
  std::size_t room = worst_case(info);
  if (room > sizeof stack) heap.resize(room);
  char* start = room > sizeof stack ? heap.data() : stack;
  Cursor cursor(start);
  // Keys in byte order: image mtime name size xxh3.
  cursor.raw("{");
  if (info.image) {
    cursor.raw("\"image\":");
    put_facts(cursor, *info.image);
    cursor.raw(",");
  }
  cursor.raw("\"mtime\":");
  cursor.number(info.mtime);
  cursor.raw(",\"name\":");
  cursor.string(info.name);
  cursor.raw(",\"size\":");
  cursor.number(info.size);
  if (!info.xxh3.empty()) {
    cursor.raw(",\"xxh3\":");
    cursor.string(info.xxh3);
  }
  cursor.raw("}");
  out.append(start, static_cast<std::size_t>(cursor.end() - start));
}

}  // namespace imgsh::proto
