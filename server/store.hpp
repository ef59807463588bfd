#pragma once
// The storage root: every name resolved against one directory handle
// (openat, O_NOFOLLOW); uploads land in hidden temporaries and are published
// atomically without ever replacing a stored file.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "protocol/error_code.hpp"
#include "protocol/messages.hpp"
#include "protocol/unique_fd.hpp"

namespace imgsh::server {

// A refusal with its wire error code (exists, not_found, no_space, ...).
using StoreError = proto::ProtocolError;

// Prefix of temporaries; names starting with '.' are never valid stored names.
inline constexpr std::string_view kTempPrefix = ".imgsrv-tmp.";

struct OpenedFile {
  UniqueFd fd;
  proto::FileInfo info;
};

class Store;

// One upload in progress. Destroying it without publish() removes the temporary.
class Upload {
 public:
  Upload(Upload&&) noexcept;
  Upload& operator=(Upload&&) = delete;
  ~Upload();

  void write(std::span<const std::uint8_t> bytes);  // throws StoreError(no_space/internal)
  // Caches the verified checksum `xxh3` (checksum_cache.hpp), flushes (unless
  // fsync is off) and publishes under the final name.
  // Throws StoreError(exists) if the name appeared meanwhile.
  proto::FileInfo publish(std::string_view xxh3 = {});

 private:
  friend class Store;
  Upload(const Store& store, std::string name, std::string temp_name, UniqueFd fd);
  void discard();

  const Store* store_;
  std::string name_;
  std::string temp_name_;
  UniqueFd fd_;
  bool done_ = false;
};

class Store {
 public:
  Store(const std::filesystem::path& root, bool fsync_enabled);

  // Claims the root for this server (an exclusive flock on the directory), so
  // a second imgsrv on the same root refuses to start instead of deleting the
  // first one's uploads in progress. Throws std::runtime_error when taken.
  void lock_root();

  const std::filesystem::path& root() const { return root_; }

  // Removes temporaries left by a crashed server; returns how many. Call
  // only after lock_root().
  int remove_stale_temporaries();

  // Sorted bytewise; only regular files with valid image names.
  std::vector<proto::FileInfo> list(const std::string& prefix, std::uint64_t limit, bool& truncated) const;
  // Both report the file's checksum (cached, or computed on demand).
  proto::FileInfo stat(const std::string& name) const;  // throws StoreError(not_found)
  OpenedFile open(const std::string& name) const;       // throws StoreError(not_found)

  // Checks that `name` is free and `size` bytes fit, then creates the temporary.
  Upload begin_upload(const std::string& name, std::uint64_t size, std::uint64_t max_file_size) const;
  // The same checks without creating anything (for an announced put).
  void check_upload(const std::string& name, std::uint64_t size, std::uint64_t max_file_size) const;

 private:
  friend class Upload;
  std::filesystem::path root_;
  UniqueFd root_fd_;
  bool fsync_;
};

}  // namespace imgsh::server
