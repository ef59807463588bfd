#include "server/root_name_batches.hpp"

#include <algorithm>

#include "protocol/names.hpp"
#include "server/root_entries.hpp"

namespace imgsh::server {

NameBatch root_names_after(int root_fd, std::string_view prefix, const std::optional<std::string>& after,
                           std::size_t max_count, std::size_t max_bytes) {
  NameBatch batch;
  if (max_count == 0) return batch;
  auto cost = [](std::size_t name_size) { return sizeof(std::string) + name_size; };
  // A max-heap of the smallest names so far: its front is the first to go.
  std::vector<std::string>& names = batch.names;
  std::size_t bytes = 0;
  auto full = [&] { return names.size() >= max_count || bytes >= max_bytes; };
  for_each_root_entry(root_fd, [&](std::string_view entry) {
    // Cheap bytewise tests first; the name rules (UTF-8, NFC) only for a name that would be kept.
    if (!entry.starts_with(prefix)) return;
    if (after && entry <= std::string_view(*after)) return;
    if (full() && entry >= std::string_view(names.front())) {
      batch.more = true;
      return;
    }
    if (proto::check_name(entry)) return;
    names.emplace_back(entry);
    bytes += cost(entry.size());
    std::push_heap(names.begin(), names.end());
    while (names.size() > 1 && (names.size() > max_count || bytes > max_bytes)) {
      std::pop_heap(names.begin(), names.end());
      bytes -= cost(names.back().size());
      names.pop_back();
      batch.more = true;
    }
  });
  std::sort_heap(names.begin(), names.end());
  return batch;
}

}  // namespace imgsh::server
