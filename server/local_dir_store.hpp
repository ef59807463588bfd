#pragma once
// The first Storage backend: one local directory. Every name is resolved
// against the directory's handle (openat, O_NOFOLLOW); uploads land in hidden
// temporaries and are published atomically without ever replacing a file.
#include <filesystem>
#include <memory>
#include <string_view>

#include "server/checksum_service.hpp"
#include "server/storage.hpp"

namespace imgsh::server {

// Prefix of temporaries; names starting with '.' are never valid stored names.
inline constexpr std::string_view kTempPrefix = ".imgsrv-tmp.";

struct LocalStoreOptions {
  std::filesystem::path root;
  bool fsync = true;  // flush data and directory before a put is acknowledged
  ChecksumOptions checksums{};  // the pool that hashes files placed by hand, the memory cache
};

struct OpenedLocalStore {
  std::unique_ptr<Storage> store;
  int stale_removed = 0;  // temporaries of an earlier run swept at start-up
};

// Opens the root, claims it for this process (an exclusive flock on the
// directory, so a second imgsrv on the same root refuses to start instead of
// deleting the first one's uploads in progress), then removes the
// temporaries a crashed server left. Throws std::runtime_error with a
// one-line reason.
OpenedLocalStore open_local_store(const LocalStoreOptions& options);

}  // namespace imgsh::server
