#pragma once
// Picking a listing's names a bounded batch at a time, so a root of any size
// is listed without ever holding all of its names: each batch is one pass
// over the directory that keeps only the bytewise-smallest names past the
// previous batch's last one, as many as fit in a count and a byte budget.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgsh::server {

struct NameBatch {
  std::vector<std::string> names;  // bytewise order
  bool more = false;               // names past the last one may match (another pass is needed)
};

// The bytewise-smallest entry names of the root that start with `prefix`,
// pass the name rules and sort after `after` (when given): at most
// `max_count` of them, and no more than `max_bytes` counting each name's
// bytes and its string's own size (at least one name, whatever its size).
// Only names are read: nothing is stat-ed or opened. Throws
// ProtocolError(internal) when the directory cannot be read.
NameBatch root_names_after(int root_fd, std::string_view prefix, const std::optional<std::string>& after,
                           std::size_t max_count, std::size_t max_bytes);

}  // namespace imgsh::server
