#pragma once
// `imgsrv token list --tokens FILE`: one line per token: label, rights, date
// added and fingerprint. Never a token (the file holds none).
#include <filesystem>

#include <CLI/CLI.hpp>

namespace imgsh::server {

class TokenListCommand {
 public:
  explicit TokenListCommand(CLI::App& token);
  bool chosen() const { return list_->parsed(); }
  int run() const;

 private:
  CLI::App* list_ = nullptr;
  std::filesystem::path file_;
};

}  // namespace imgsh::server
