#pragma once
// Small stored files kept open between gets: a get of a file served a moment ago costs
// one fstatat(2) instead of the O_PATH open, the reopen through /proc, their fstats and
// closes (open_regular_file, six system calls; issue 16).
//
// Exact: an entry is used only when the name's fstatat, taken for this get, shows the
// same device, inode, size, mtime and ctime (the FileKey of checksum_cache.hpp) as the
// entry's descriptor had when it was opened and admitted. A file deleted, renamed away,
// replaced or rewritten in place is therefore opened afresh, and its entry replaced or
// dropped. The store drops an entry when it deletes or renames the file itself, so a
// descriptor does not keep a deleted file's blocks; a file deleted by hand keeps them
// until its entry is evicted or its name is asked for again: at most kEntries files of
// at most kMaxSize bytes. The descriptors are counted in descriptor_budget.hpp's reserve.
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "protocol/messages.hpp"
#include "protocol/unique_fd.hpp"
#include "server/checksum_cache.hpp"

namespace imgsh::server {

// A stored file opened for reading, with what a get announces of it.
struct OpenFile {
  UniqueFd fd;
  proto::FileInfo info;  // name, size, mtime, checksum, as of the open
  FileKey key;           // fstat of fd at the open
};

class OpenFileCache {
 public:
  static constexpr std::size_t kEntries = 32;
  static constexpr std::uint64_t kMaxSize = 64 * 1024;  // the sizes sent in one sendmsg (file_sender.cpp)

  // `enabled` false (shared mode: other nodes change the directory) keeps nothing.
  explicit OpenFileCache(bool enabled = true) : enabled_(enabled) {}

  // Whether an entry for `name` exists (then the caller fstatat()s the name and asks find()).
  bool holds(const std::string& name);
  // The entry for `name` if `now` (an fstatat of the name, just taken) describes its file.
  // A stale entry is dropped.
  std::shared_ptr<const OpenFile> find(const std::string& name, const struct stat& now);
  // Keeps `file` under its name when it is small enough; the least recently used entry goes.
  void keep(std::shared_ptr<const OpenFile> file);
  void forget(const std::string& name);

 private:
  using Entry = std::shared_ptr<const OpenFile>;
  bool enabled_;
  std::mutex mutex_;
  std::list<Entry> order_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace imgsh::server
