#pragma once
// Makes client-supplied text safe for one log line (proto::escape_for_display, at
// most max_bytes of it): controls, bidi and format characters, line separators and
// invalid bytes are shown escaped, so a name cannot forge, split or reorder log lines.
#include <string>
#include <string_view>

namespace imgsh::server {

std::string log_safe(std::string_view text, std::size_t max_bytes = 300);

}  // namespace imgsh::server
