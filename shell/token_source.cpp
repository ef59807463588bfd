#include "shell/token_source.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "shell/client_errors.hpp"
#include "shell/trim.hpp"

namespace imgsh::shell {

TokenSource find_token(const std::string& file) {
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) throw ConnectionError("cannot read token file " + file + ": " + std::strerror(errno));
    std::string line;
    std::getline(in, line);
    std::string token(trim(line));
    if (token.empty()) throw ConnectionError("token file " + file + " is empty (its first line is the token)");
    return {token, file};
  }
  const char* env = std::getenv("IMGSH_TOKEN");
  if (env && *env) return {std::string(trim(env)), "IMGSH_TOKEN"};
  return {};
}

std::string explain_unauthorized(std::string_view refusal, const TokenSource& token) {
  if (token.value.empty()) return "the server needs a token: set IMGSH_TOKEN or use --token-file FILE";
  return std::string(refusal) + " (the token from " + token.source + "): check it, or ask for a new one (imgsrv token add)";
}

void warn_insecure() {
  std::cerr << "imgsh: WARNING: --insecure: the server's certificate is NOT checked; anyone on the path can "
               "read and change this session, token included\n";
}

}  // namespace imgsh::shell
