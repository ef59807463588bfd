#pragma once
// `imgsrv token revoke LABEL --tokens FILE`: takes one token out of a token
// file. The file is replaced atomically (a new file beside it, fsync, rename),
// mode 0600, so a server reloading at the same moment (SIGHUP) reads either
// the old set or the new one, never half a file.
#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

namespace imgsh::server {

// Removes the line of `label`; throws std::runtime_error when the file cannot
// be read or written, is malformed, or holds no such label.
void revoke_token(const std::filesystem::path& file, const std::string& label);

class TokenRevokeCommand {
 public:
  explicit TokenRevokeCommand(CLI::App& token);
  bool chosen() const { return revoke_->parsed(); }
  int run() const;

 private:
  CLI::App* revoke_ = nullptr;
  std::filesystem::path file_;
  std::string label_;
};

}  // namespace imgsh::server
