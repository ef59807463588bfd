#include "server/root_name_batches.hpp"

#include <algorithm>

#include "protocol/names.hpp"
#include "server/root_entries.hpp"

namespace imgsh::server {

std::vector<std::string> root_names_after(int root_fd, std::string_view prefix, const std::optional<std::string>& after,
                                          std::size_t count) {
  if (count == 0) return {};
  // A max-heap of the smallest names so far: its front is the first to go.
  std::vector<std::string> names;
  names.reserve(count + 1);
  for_each_root_entry(root_fd, [&](std::string_view entry) {
    // Cheap bytewise tests first; the name rules (UTF-8, NFC) only for a name that would be kept.
    if (!entry.starts_with(prefix)) return;
    if (after && entry <= std::string_view(*after)) return;
    if (names.size() == count && entry >= std::string_view(names.front())) return;
    if (proto::check_name(entry)) return;
    names.emplace_back(entry);
    std::push_heap(names.begin(), names.end());
    if (names.size() > count) {
      std::pop_heap(names.begin(), names.end());
      names.pop_back();
    }
  });
  std::sort_heap(names.begin(), names.end());
  return names;
}

}  // namespace imgsh::server
