#include "shell/same_content.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <optional>

#include "protocol/checksum.hpp"
#include "protocol/unique_fd.hpp"

namespace imgsh::shell {
namespace {

// The checksum of a local regular file; nullopt when there is none to compare.
std::optional<std::string> local_xxh3(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return proto::xxh3_of_file(fd.get(), static_cast<std::uint64_t>(st.st_size));
}

}  // namespace

bool local_has_remote_content(Client& client, const std::string& local_path, const std::string& remote_name) {
  auto here = local_xxh3(local_path);
  if (!here) return false;
  return client.stat(remote_name).xxh3 == *here;
}

bool remote_has_local_content(Client& client, const std::string& local_path, const std::string& remote_name) {
  proto::FileInfo there;
  try {
    there = client.stat(remote_name);
  } catch (const proto::ProtocolError& e) {
    if (e.code() == proto::Errc::not_found) return false;
    throw;
  }
  auto here = local_xxh3(local_path);
  return here && *here == there.xxh3;
}

}  // namespace imgsh::shell
