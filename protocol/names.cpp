#include "protocol/names.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <utf8proc.h>

namespace imgsh::proto {
namespace {

bool iequals_suffix(std::string_view name, std::string_view suffix) {
  if (name.size() < suffix.size()) return false;
  auto tail = name.substr(name.size() - suffix.size());
  return std::equal(tail.begin(), tail.end(), suffix.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
}

// Decodes one UTF-8 sequence at `i`; returns its length, or 0 when malformed
// (overlong forms, surrogates and code points above U+10FFFF are malformed).
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  std::size_t len;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// True when `name` (valid UTF-8) is already in Unicode NFC: the one form both ends
// agree on, so "café" typed composed and decomposed cannot become two files.
bool is_nfc(std::string_view name) {
  utf8proc_uint8_t* mapped = nullptr;
  auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(name.data()),
                        static_cast<utf8proc_ssize_t>(name.size()), &mapped,
                        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
  if (n < 0) return false;
  return std::string_view(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(n)) == name;
}

// Characters that change how a name prints without being visible: format characters
// (Cf: bidi overrides, zero-width joiners and spaces) and line/paragraph separators.
bool is_invisible_format(char32_t cp) {
  auto category = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return category == UTF8PROC_CATEGORY_CF || category == UTF8PROC_CATEGORY_ZL ||
         category == UTF8PROC_CATEGORY_ZP;
}

std::string code_point_text(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  char32_t cp = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_sequence(text, i, cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

ImageKind kind_from_extension(std::string_view name) {
  if (iequals_suffix(name, ".png")) return ImageKind::png;
  if (iequals_suffix(name, ".jpg") || iequals_suffix(name, ".jpeg")) return ImageKind::jpeg;
  return ImageKind::unknown;
}

std::optional<NameProblem> check_name(std::string_view name) {
  auto invalid = [&](std::string_view why) {
    return NameProblem{Errc::invalid_name, "invalid name: " + std::string(why)};
  };
  if (name.empty()) return invalid("the name is empty");
  if (name.size() > kMaxNameBytes) return invalid("longer than 255 bytes");
  if (name.front() == '.') return invalid("names may not start with '.'");
  char32_t cp = 0;
  for (std::size_t i = 0; i < name.size();) {
    std::size_t n = utf8_sequence(name, i, cp);
    if (n == 0) return invalid("not valid UTF-8");
    if (cp == '/' || cp == '\\') return invalid("names may not contain '/' or '\\'");
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
      return invalid("names may not contain control characters");
    }
    if (is_invisible_format(cp)) {
      return invalid("names may not contain invisible format characters (bidi controls, zero-width "
                     "characters, line separators): " + code_point_text(cp));
    }
    i += n;
  }
  if (!is_nfc(name)) return invalid("the name is not in Unicode NFC form (compose accented letters)");
  if (kind_from_extension(name) == ImageKind::unknown) {
    return NameProblem{Errc::unsupported_type, std::string(name) + ": only .jpg, .jpeg and .png files can be stored"};
  }
  return std::nullopt;
}

}  // namespace imgsh::proto
