#include "shell/line_parser.hpp"

namespace imgsh::shell {

ScannedLine scan_words(std::string_view line) {
  ScannedLine out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  auto start_word = [&](std::size_t i) {
    if (!in_word) out.starts.push_back(i);
    in_word = true;
  };
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote == '\'') {
      if (c == '\'') quote = 0; else word += c;
    } else if (quote == '"') {
      if (c == '"') {
        quote = 0;
      } else if (c == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\')) {
        word += line[++i];
      } else {
        word += c;
      }
    } else if (c == ' ' || c == '\t') {
      if (in_word) out.words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '\'' || c == '"') {
      start_word(i);
      quote = c;
    } else if (c == '\\' && i + 1 < line.size()) {
      start_word(i);
      word += line[++i];
    } else {
      start_word(i);
      word += c;
    }
  }
  out.ends_in_word = in_word;
  out.open_quote = quote;
  if (in_word) out.words.push_back(std::move(word));
  return out;
}

ParsedLine split_words(std::string_view line) {
  ScannedLine scanned = scan_words(line);
  ParsedLine out;
  if (scanned.open_quote) {
    out.error = std::string("unterminated ") + (scanned.open_quote == '"' ? "double" : "single") + " quote";
    return out;
  }
  out.words = std::move(scanned.words);
  return out;
}

std::string escape_word(std::string_view text, char quote) {
  std::string out;
  for (char c : text) {
    if (quote == '\'') {
      if (c == '\'') out += "'\\''"; else out += c;
    } else if (quote == '"') {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    } else {
      if (c == ' ' || c == '\t' || c == '\'' || c == '"' || c == '\\') out += '\\';
      out += c;
    }
  }
  return out;
}

}  // namespace imgsh::shell
