#pragma once
// `imgsrv token add [--label NAME] [--ro|--rwd] --tokens FILE`: the CLI11 subcommand
// that makes a token, stores its hash and prints it once. It also makes the
// `token` group that list and revoke join (group()).
#include <string>
#include <filesystem>

#include <CLI/CLI.hpp>

namespace imgsh::server {

class TokenAddCommand {
 public:
  explicit TokenAddCommand(CLI::App& app);
  bool chosen() const { return add_->parsed(); }
  CLI::App& group() const { return *token_; }
  // Prints the new token on stdout, the rest on stderr; returns the exit status.
  int run() const;

 private:
  CLI::App* token_ = nullptr;
  CLI::App* add_ = nullptr;
  std::string label_;
  std::filesystem::path file_;
  bool read_only_ = false;
  bool delete_too_ = false;  // --rwd
};

}  // namespace imgsh::server
