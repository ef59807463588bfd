#pragma once
// `imgsrv token add [--ro|--rwd] --tokens FILE`: the CLI11 subcommand that makes a
// token, stores its hash and prints it once.
#include <filesystem>

#include <CLI/CLI.hpp>

namespace imgsh::server {

class TokenAddCommand {
 public:
  explicit TokenAddCommand(CLI::App& app);
  bool chosen() const { return add_->parsed(); }
  // Prints the new token on stdout, the rest on stderr; returns the exit status.
  int run() const;

 private:
  CLI::App* add_ = nullptr;
  std::filesystem::path file_;
  bool read_only_ = false;
  bool delete_too_ = false;  // --rwd
};

}  // namespace imgsh::server
