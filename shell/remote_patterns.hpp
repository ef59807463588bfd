#pragma once
// Remote names by pattern: a plain word is a name prefix (the list op's own
// prefix); a word with * ? [ is a glob (fnmatch(3)) over the listing of its
// literal prefix, so `get cat*` never fetches the whole directory.
#include <string>
#include <vector>

#include "protocol/messages.hpp"
#include "shell/client.hpp"

namespace imgsh::shell {

// The files whose names start with `pattern`, or match it when it is a glob.
std::vector<proto::FileInfo> list_matching(Client& client, const std::string& pattern);

// The same files handed on one by one as the listing arrives, none held (ls).
void each_matching(Client& client, const std::string& pattern, const Client::ListEntryFn& on_file);

// Only for globs: the names `pattern` matches (whole names, not prefixes).
std::vector<std::string> names_matching_glob(Client& client, const std::string& pattern);

}  // namespace imgsh::shell
