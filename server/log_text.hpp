#pragma once
// Makes client-supplied text safe for one log line: control characters and
// invalid bytes are shown escaped, so a name cannot forge or split log lines.
#include <string>
#include <string_view>

namespace imgsh::server {

std::string log_safe(std::string_view text, std::size_t max_bytes = 300);

}  // namespace imgsh::server
