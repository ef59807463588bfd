#pragma once
// A name as a POSIX shell would need it written to read it back as one word:
// bare when it is made only of safe characters, else in single quotes (a quote
// inside written '\'', or the whole in double quotes when nothing else in it is
// special there: "it's.png"). Report lines quote names this way so that `read` and
// awk split them into fields.
#include <string>
#include <string_view>

namespace imgsh::shell {

std::string shell_quote(std::string_view word);

}  // namespace imgsh::shell
