#pragma once
// The order of ls: -t (time, newest first), -S (size, largest first), --sort=WORD with
// taken (EXIF capture time, newest first), pixels (largest first), name, time or size;
// -r reverses. Default: by name. Files without the fact sorted by come last.
#include <optional>
#include <string>
#include <vector>

#include "shell/listing.hpp"

namespace imgsh::shell {

enum class SortKey { name, time, size, taken, pixels };

struct SortOrder {
  SortKey key = SortKey::name;
  bool reverse = false;
};

// Takes the sort options out of `args` (-t, -S, -r alone or among other letters such as
// -ltr, and --sort=WORD), leaving the rest for parse_listing_options. nullopt and
// `error` for an unknown --sort word.
std::optional<SortOrder> take_sort_options(std::vector<std::string>& args, std::string& error);

void sort_listing(std::vector<ListedFile>& files, const SortOrder& order);

}  // namespace imgsh::shell
