#pragma once
// The first Storage backend: one local directory. Every name is resolved
// against the directory's handle (openat, O_NOFOLLOW); uploads land in hidden
// temporaries and are published atomically without ever replacing a file.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "server/checksum_service.hpp"
#include "server/image_facts_service.hpp"
#include "server/storage.hpp"
#include "server/thumbnail_service.hpp"
#include "server/upload_resume.hpp"

namespace imgsh::server {

// Prefix of temporaries; names starting with '.' are never valid stored names.
inline constexpr std::string_view kTempPrefix = ".imgsrv-tmp.";

struct LocalStoreOptions {
  std::filesystem::path root;
  bool fsync = true;  // flush data and directory before a put is acknowledged
  // Several servers on one root (a CephFS directory, on one machine or many):
  // each holds a lock of its own node id and sweeps only dead nodes' leftovers.
  bool shared = false;
  std::string node_id = "local";  // 1-64 of [A-Za-z0-9_-]; in temporaries' names
  ChecksumOptions checksums{};  // the pool that hashes files placed by hand, the memory cache
  ThumbnailOptions thumbnails{};  // the pool that makes thumbnails, their memory cache
  FactsOptions facts{};         // the pool that reads image headers for stat and list, their cache
  ResumeOptions resume{};       // cut put -c uploads kept for a resume (upload_resume.hpp)
};

struct OpenedLocalStore {
  std::unique_ptr<Storage> store;
  int stale_removed = 0;  // temporaries of an earlier run swept at start-up
};

// Opens the root, claims it (root_claim.hpp: exclusive, so a second imgsrv
// on the same root refuses to start instead of deleting the first one's
// uploads in progress; or shared, one lock per node), then removes the
// temporaries crashed servers left. Throws std::runtime_error with a
// one-line reason.
OpenedLocalStore open_local_store(const LocalStoreOptions& options);

}  // namespace imgsh::server
