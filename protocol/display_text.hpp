#pragma once
// Makes text from outside (a client's name, a server's message, a stored file name)
// safe to print on one line of a log or a terminal: nothing in it can split the line,
// move the cursor, reorder what follows or print something other than what it is.
#include <string>
#include <string_view>

namespace imgsh::proto {

// Returns `text` with every character that is not plainly visible escaped:
// C0 controls, DEL and the backslash itself as \xNN; C1 controls (U+0080..U+009F),
// format characters (Unicode category Cf: bidi controls, zero-width characters) and
// line/paragraph separators (U+2028, U+2029) as \u{XXXX}; each byte of invalid UTF-8
// as \xNN. Everything else passes unchanged, so readable names stay readable.
std::string escape_for_display(std::string_view text);

}  // namespace imgsh::proto
