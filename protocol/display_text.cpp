#include "protocol/display_text.hpp"

#include <cstdio>

#include <utf8proc.h>

namespace imgsh::proto {
namespace {

// Categories that print nothing or act on the surrounding text: controls (C0, DEL,
// C1), format characters (bidi overrides, zero-width) and line/paragraph separators.
bool needs_escape(utf8proc_int32_t cp) {
  if (cp == '\\') return true;
  auto category = utf8proc_category(cp);
  return category == UTF8PROC_CATEGORY_CC || category == UTF8PROC_CATEGORY_CF ||
         category == UTF8PROC_CATEGORY_ZL || category == UTF8PROC_CATEGORY_ZP;
}

void append_byte_escape(std::string& out, unsigned char byte) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", byte);
  out += buf;
}

}  // namespace

std::string escape_for_display(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    utf8proc_int32_t cp = -1;
    auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                              static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
    if (n <= 0) {  // invalid UTF-8 (overlong, surrogate, truncated): this byte alone
      append_byte_escape(out, static_cast<unsigned char>(text[i]));
      ++i;
      continue;
    }
    auto len = static_cast<std::size_t>(n);
    if (!needs_escape(cp)) {
      out.append(text.substr(i, len));
    } else if (cp < 0x80) {
      append_byte_escape(out, static_cast<unsigned char>(cp));
    } else {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u{%04X}", static_cast<unsigned>(cp));
      out += buf;
    }
    i += len;
  }
  return out;
}

}  // namespace imgsh::proto
