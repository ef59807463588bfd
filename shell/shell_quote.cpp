#include "shell/shell_quote.hpp"

namespace imgsh::shell {
namespace {

// Letters, digits and the punctuation no POSIX shell treats specially; bytes of
// UTF-8 beyond ASCII are letters to a shell too.
bool is_safe(unsigned char c) {
  if (c >= 0x80) return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '.': case '_': case '-': case '+': case ',': case ':': case '@': case '%': case '/': case '=':
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string shell_quote(std::string_view word) {
  bool safe = !word.empty();
  for (unsigned char c : word) safe = safe && is_safe(c);
  if (safe) return std::string(word);
  // it's.png reads better as "it's.png" than as 'it'\''s.png': double quotes when
  // nothing in the word is special inside them.
  if (word.find('\'') != std::string_view::npos && word.find_first_of("\"$`\\!") == std::string_view::npos) {
    std::string quoted = "\"";  // appended, not "literal" + std::string (GCC bug 105329: -Wrestrict at -O3)
    quoted += word;
    quoted += '"';
    return quoted;
  }
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  out += "'";
  return out;
}

}  // namespace imgsh::shell
