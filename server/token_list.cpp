#include "server/token_list.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "server/token_store.hpp"

namespace imgsh::server {

TokenListCommand::TokenListCommand(CLI::App& token) {
  list_ = token.add_subcommand("list", "show the tokens of FILE: label, rights, date added, fingerprint");
  list_->add_option("--tokens", file_, "the token file")->required()->type_name("FILE");
}

int TokenListCommand::run() const {
  try {
    TokenStore store = TokenStore::load(file_);
    std::size_t width = 5;  // "LABEL"
    for (const TokenEntry& e : store.entries()) width = std::max(width, e.label.size());
    int w = static_cast<int>(width);
    std::printf("%-*s  %-6s  %-20s  %s\n", w, "LABEL", "RIGHTS", "ADDED", "FINGERPRINT");
    for (const TokenEntry& e : store.entries()) {
      // Labels and dates passed parse_token_line's checks: printable ASCII only.
      std::printf("%-*s  %-6s  %-20s  %s\n", w, e.label.c_str(), std::string(to_string(e.rights)).c_str(),
                  e.added.c_str(), token_fingerprint(e).c_str());
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "imgsrv: %s\n", e.what());
    return 1;
  }
}

}  // namespace imgsh::server
