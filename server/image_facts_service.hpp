#pragma once
// Image facts of stored files (protocol/image_header.hpp) for stat and list replies,
// never read on an I/O thread: a memory entry answers at once; otherwise the headers are
// read on a small worker pool of their own (a long hash on the checksum pool does not
// hold them up), one pool job per request however many files it names, and the awaiting
// request resumes on its own executor. Concurrent requests for the same file (same
// FileKey) share one read. Facts are optional: a header that cannot be read, a full
// queue or a shutdown gives "no facts", never an error.
//
// Only in memory, not in an xattr: writing an xattr moves the file's ctime, so an entry
// keyed with ctime never matches after its own write (on kernels with fine-grained ctime),
// and one keyed without ctime misses a rewrite that restores size and mtime. A header
// read is one pread of 16 KiB, so re-reading after a restart is cheap.
#include <sys/stat.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <asio/awaitable.hpp>

#include "protocol/image_facts.hpp"
#include "protocol/image_header.hpp"
#include "server/checksum_cache.hpp"
#include "server/keyed_memory.hpp"
#include "server/worker_pool.hpp"

namespace imgsh::server {

struct FactsOptions {
  unsigned workers = 1;                  // header reads at once
  std::size_t max_queued = 64;           // requests waiting for a worker before "no facts"
  std::size_t memory_entries = 131072;   // files whose facts are kept (about 200 bytes each)
  proto::HeaderLimits header{};
};

// One file to look up: its name in the root and its key as the caller saw it.
struct FactsRequest {
  std::string name;
  FileKey key;
};

using MaybeFacts = std::optional<proto::ImageFacts>;

class ImageFactsService {
 public:
  explicit ImageFactsService(const FactsOptions& options = {});
  ~ImageFactsService();

  // The facts of each requested file of `root_fd`, in order (nullopt: none). The
  // descriptor must outlive the call.
  asio::awaitable<std::vector<MaybeFacts>> lookup(int root_fd, std::vector<FactsRequest> requests);
  // Keeps facts already known (from a validation at publish) for the file as `key` says.
  void remember(const FileKey& key, MaybeFacts facts) { memory_.put(key, std::move(facts)); }

  void cancel();  // never blocks
  void join();    // after cancel(): waits for the workers (each at most one header)

  std::size_t headers_read() const { return headers_read_; }  // for tests and benches

 private:
  struct Job;
  struct Batch;
  void start(int root_fd, const std::shared_ptr<Batch>& batch, std::vector<FactsRequest>& requests);
  void run(int root_fd, const std::vector<std::shared_ptr<Job>>& jobs);
  void finish(const std::shared_ptr<Job>& job, const MaybeFacts& facts);

  FactsOptions options_;
  KeyedMemory<MaybeFacts> memory_;
  std::mutex mutex_;
  std::unordered_map<FileKey, std::shared_ptr<Job>, FileKeyHash> running_;
  std::atomic<std::size_t> headers_read_{0};
  WorkerPool pool_;  // last: its threads stop before the members they use go
};

}  // namespace imgsh::server
