#pragma once
// The -n of get, mget, put and mput (idempotent re-runs): is the file at the
// other end already the same content? Compared by XXH3-128, the checksum the
// server reports in stat replies; imgsh still never overwrites anything.
#include <string>

#include "shell/client.hpp"

namespace imgsh::shell {

// True when `local_path` is a regular file whose checksum equals the remote
// file's. Throws what Client::stat throws (not_found when there is no remote file).
bool local_has_remote_content(Client& client, const std::string& local_path, const std::string& remote_name);

// True when the remote file `remote_name` exists with the content of `local_path`;
// false when it does not exist or differs.
bool remote_has_local_content(Client& client, const std::string& local_path, const std::string& remote_name);

}  // namespace imgsh::shell
