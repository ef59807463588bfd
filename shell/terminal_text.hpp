#pragma once
// Text from outside (a server's names, messages and banner; local file names)
// made safe to print: nothing in it can move the cursor, set a title, change
// colours, reorder the line (bidi) or forge a line of its own.
#include <string>
#include <string_view>

namespace imgsh::shell {

// Returns `text` with every C0 control (tab and newline included), DEL, C1
// control (U+0080..U+009F), bidi control (U+061C, U+200E/F, U+202A..U+202E,
// U+2066..U+2069), line/paragraph separator (U+2028/9) and byte of invalid
// UTF-8 written visibly: \xNN for a byte, \u{XXXX} for a code point. All other
// text, valid UTF-8 included, is unchanged.
std::string escape_for_terminal(std::string_view text);

}  // namespace imgsh::shell
