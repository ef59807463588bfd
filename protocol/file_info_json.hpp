#pragma once
// A FileInfo (list entry, image facts included) written as JSON text straight into a
// string, without building a JSON document first. A 10,000-entry listing spent about
// three quarters of imgsrv's instructions building, dumping and freeing nlohmann
// documents (issue 13, tests/bench/list_cost_bench.py), twice as much as the listing
// itself once image facts were in each entry.
//
// The bytes are exactly those of to_json(info).dump() (the wire contract: old clients,
// byte-for-byte tests): keys in nlohmann's (sorted) order, integers as std::to_chars,
// strings escaped as nlohmann escapes them with ensure_ascii off (quote, backslash, \b,
// \t, \n, \f and \r short; other bytes below 0x20 as \u00xx in lowercase hex; all
// else verbatim).
// A string that is not valid UTF-8 is left to the document, which throws as before.
// (rapidjson-dev's Writer was the packaged candidate: it writes \u001F in uppercase and
// does not check UTF-8 by default, so its bytes would differ from the document's.)
#include <string>
#include <string_view>

#include "protocol/messages.hpp"

namespace imgsh::proto {

// Appends the entry's JSON object to `out`.
void append_file_info_json(std::string& out, const FileInfo& info);

// Appends `text` as a JSON string (quotes included), escaped as nlohmann::json::dump does.
// Returns false, appending nothing, when `text` is not valid UTF-8.
bool append_json_string(std::string& out, std::string_view text);

}  // namespace imgsh::proto
