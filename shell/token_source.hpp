#pragma once
// Where imgsh's token and TLS warnings come from: never the command line,
// where `ps` would show a token.
#include <string>
#include <string_view>

namespace imgsh::shell {

struct TokenSource {
  std::string value;   // empty: no token
  std::string source;  // "IMGSH_TOKEN" or the file's name, for messages
};

// The token in `file` (its first line) if given, else $IMGSH_TOKEN, else
// none. Throws ConnectionError if the file cannot be read or holds nothing.
TokenSource find_token(const std::string& file);

// What to do about an `unauthorized` refusal of hello, given the token sent (if any).
std::string explain_unauthorized(std::string_view refusal, const TokenSource& token);

// The loud line --insecure prints on every run.
void warn_insecure();

}  // namespace imgsh::shell
