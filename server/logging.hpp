#pragma once
// imgsrv's log on stderr, one event per line:
//   text:  2026-12-03T16:00:00.123+0000 info <message>
//   json:  {"time":"...","level":"info","msg":"<message>"} (request lines carry
//          their fields instead of msg: see request_log.hpp)
// Under journald (JOURNAL_STREAM names our stderr) a line carries no time of
// its own (the journal stamps it) and starts with its syslog priority, <6> for
// info, as sd-daemon(3) describes.
#include <string>
#include <string_view>

namespace imgsh::server {

enum class LogFormat { text, json };

// Throws std::invalid_argument for an unknown level or format name.
void setup_logging(const std::string& level, const std::string& format = "text");
LogFormat log_format();

// A message that is already the fields of a JSON object ("{...}"): the json
// formatter adds time and level to it instead of wrapping it in "msg".
std::string structured_payload(std::string_view json_object);

// Whether JOURNAL_STREAM (device:inode) names the file on fd 2.
bool stderr_is_journal();

}  // namespace imgsh::server
