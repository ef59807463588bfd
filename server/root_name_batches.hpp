#pragma once
// Picking a listing's names a bounded batch at a time, so a root of any size
// is listed without ever holding all of its names: each batch is one pass
// over the directory that keeps only the `count` bytewise-smallest names past
// the previous batch's last one.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgsh::server {

// The at most `count` bytewise-smallest entry names of the root that start
// with `prefix`, pass the name rules and sort after `after` (when given),
// in bytewise order. Holds at most `count` names at any time. Only names
// are read: nothing is stat-ed or opened. Throws ProtocolError(internal)
// when the directory cannot be read.
std::vector<std::string> root_names_after(int root_fd, std::string_view prefix, const std::optional<std::string>& after,
                                          std::size_t count);

}  // namespace imgsh::server
