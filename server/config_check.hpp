#pragma once
// imgsrv --check-config: everything a start would need, checked without
// listening or touching the store: the root, the TLS files, the token file
// and the bind address. An operator runs it before `systemctl reload` or a
// restart, so a broken setting is found while the old server still runs.
#include <functional>
#include <string>

#include "server/server_options.hpp"

namespace imgsh::server {

// Where an option's value came from, e.g. " (/etc/imgsrv/imgsrv.conf line 4)",
// or "" for the command line.
using OriginOf = std::function<std::string(const std::string& key)>;

// The first problem found, with its origin, or "" when all is well.
std::string check_config(const ServerOptions& options, const OriginOf& origin);

}  // namespace imgsh::server
