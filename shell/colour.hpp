#pragma once
// Colour for report lines on a terminal: a failure in red, an ok report muted
// (faint), so a failure stands out in a long session. Off when the stream is
// not a terminal, when NO_COLOR is set (any value: no-color.org), when TERM is
// dumb, and with --no-color. The escape sequences come from fmt (fmt/color.h).
#include <string>
#include <string_view>

namespace imgsh::shell {

// Whether report lines written to `fd` get colour.
bool colour_wanted(int fd, bool disabled_by_option);

enum class ReportTone { ok, fail };

// `line` (already escaped: no control characters of its own) in the tone's colour.
std::string coloured(std::string_view line, ReportTone tone);

}  // namespace imgsh::shell
