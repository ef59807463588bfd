#pragma once
// Local path arguments as a person types them: a leading ~ is $HOME, and a
// pattern (* ? [) expands to the files it matches (glob(3)).
#include <string>
#include <vector>

namespace imgsh::shell {

// "~" and "~/x" with $HOME (or the password entry); anything else unchanged.
std::string expand_tilde(const std::string& path);

// True when `word` has a glob character (* ? [).
bool has_glob_chars(const std::string& word);

// The paths `pattern` matches, sorted; `pattern` itself (tilde expanded) when
// it has no glob characters; empty when a pattern matches nothing.
std::vector<std::string> expand_local_pattern(const std::string& pattern);

}  // namespace imgsh::shell
