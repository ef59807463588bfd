#pragma once
// How ls -l and stat show an image's facts (issue 13): ls -l as aligned columns
//   "  4,367  2026-12-03 07:50  720×477  JPEG  baseline.jpg"
// (size with thousands separators, or -h; time to the minute; width × height; format;
// name), and stat as one "label  value" line per fact. "×" only where the terminal's
// locale is UTF-8, else "x". Everything that came from the server is escaped.
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/image_facts.hpp"
#include "protocol/messages.hpp"
#include "shell/listing.hpp"

namespace imgsh::shell {

// "4,367"
std::string with_thousands(std::uint64_t n);

// Whether the locale of this process (LC_CTYPE from the environment) encodes UTF-8.
bool locale_is_utf8();

// "720×477" (or "720x477" when !utf8).
std::string dimensions(const proto::ImageFacts& facts, bool utf8);

// The ls -l lines, each ending in '\n'; a file without facts shows "-" in their columns.
std::string format_image_listing(const std::vector<ListedFile>& files, bool human, bool utf8);

// The stat lines: name, size, modified, xxh3, then every fact the server sent.
std::string format_file_facts(const proto::FileInfo& info, bool utf8);

}  // namespace imgsh::shell
