#include "server/token_revoke.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "protocol/fd_io.hpp"
#include "protocol/unique_fd.hpp"
#include "server/token_store.hpp"

namespace imgsh::server {
namespace {

std::runtime_error write_error(const std::filesystem::path& file, int err) {
  return std::runtime_error("cannot write token file " + file.string() + ": " + std::strerror(err));
}

// Writes `text` to a fresh 0600 file beside `file` and renames it over `file`.
void replace_file(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::path dir = file.parent_path().empty() ? "." : file.parent_path();
  std::string temp = (dir / ("." + file.filename().string() + ".XXXXXX")).string();
  int raw = ::mkstemp(temp.data());  // mode 0600, O_EXCL
  if (raw < 0) throw write_error(file, errno);
  UniqueFd fd(raw);
  try {
    if (::fchmod(fd.get(), 0600) != 0) throw std::system_error(errno, std::generic_category());
    proto::write_all(fd.get(), {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
    if (::fsync(fd.get()) != 0) throw std::system_error(errno, std::generic_category());
    if (::rename(temp.c_str(), file.c_str()) != 0) throw std::system_error(errno, std::generic_category());
  } catch (const std::system_error& e) {
    ::unlink(temp.c_str());
    throw write_error(file, e.code().value());
  }
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) ::fsync(dir_fd.get());  // the rename itself reaches the disk
}

}  // namespace

void revoke_token(const std::filesystem::path& file, const std::string& label) {
  TokenStore::load(file);  // a malformed file is named, not rewritten
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read token file " + file.string() + ": " + std::strerror(errno));
  std::string kept;
  std::string line;
  bool found = false;
  for (int number = 1; std::getline(in, line); ++number) {
    auto entry = parse_token_line(line, file.string() + " line " + std::to_string(number));
    if (entry && entry->label == label) {
      found = true;
      continue;
    }
    kept += line;
    kept += '\n';
  }
  if (!found) throw std::runtime_error("no token labelled " + label + " in " + file.string());
  replace_file(file, kept);
}

TokenRevokeCommand::TokenRevokeCommand(CLI::App& token) {
  revoke_ = token.add_subcommand("revoke", "remove the token LABEL from FILE (a running server drops it on SIGHUP)");
  revoke_->add_option("LABEL", label_, "the token's label, as token list shows it")->required();
  revoke_->add_option("--tokens", file_, "the token file")->required()->type_name("FILE");
}

int TokenRevokeCommand::run() const {
  try {
    revoke_token(file_, label_);
    std::fprintf(stderr, "imgsrv: revoked %s from %s (send SIGHUP to a running server)\n", label_.c_str(),
                 file_.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "imgsrv: %s\n", e.what());
    return 1;
  }
}

}  // namespace imgsh::server
