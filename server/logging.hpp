#pragma once
// imgsrv's log: timestamped lines on stderr, one event per line.
#include <string>

namespace imgsh::server {

// Throws std::invalid_argument for an unknown level name.
void setup_logging(const std::string& level);

}  // namespace imgsh::server
