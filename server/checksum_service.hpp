#pragma once
// Checksums of stored files without ever reading a whole file on an I/O
// thread: a valid xattr or memory entry answers at once; otherwise the file
// is hashed on a small worker pool and the awaiting request resumes on its
// own executor when the hash is done, so other requests on the I/O threads
// never wait for it. Concurrent requests for the same file (same FileKey)
// share one hash. A full queue answers busy; cancel() (shutdown) stops a hash
// in progress at its next chunk and answers its waiters busy.
#include <sys/stat.h>

#include <atomic>
#include <functional>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <asio/awaitable.hpp>

#include "server/checksum_cache.hpp"
#include "server/checksum_memory.hpp"
#include "server/worker_pool.hpp"

namespace imgsh::server {

struct ChecksumOptions {
  unsigned workers = 2;                    // whole-file hashes at once
  std::size_t max_queued = 64;             // hashes waiting for a worker before busy
  std::size_t memory_entries = 65536;      // checksums kept in memory (about 150 bytes each)
  std::size_t chunk_bytes = 1024 * 1024;   // read between two checks for cancellation
};

class ChecksumService {
 public:
  explicit ChecksumService(const ChecksumOptions& options = {});
  ~ChecksumService();

  // The checksum of the open regular file `fd` whose fstat is `st`. `name`
  // is for error messages. Throws StoreError: busy (queue full, shutting
  // down), internal (read error, file shorter than st says).
  asio::awaitable<std::string> checksum(int fd, const struct stat& st, std::string name);
  // Keeps `xxh3`, already verified, as the checksum of `fd` as it is now (after a put).
  void remember(int fd, std::string_view xxh3);
  // The checksum already known for `fd` as `st` describes it (xattr or
  // memory), without hashing; kept across a rename by remember().
  std::optional<std::string> known(int fd, const struct stat& st);

  void cancel();  // never blocks
  void join();    // after cancel(): waits for the workers (each at most one chunk)

  std::size_t hashes_started() const { return hashes_started_; }  // for tests

 private:
  struct Job;
  void start_or_join(int fd, const FileKey& key, const std::string& name,
                     std::function<void(std::exception_ptr, std::string)> waiter);
  void run(const std::shared_ptr<Job>& job);
  void finish(const std::shared_ptr<Job>& job, std::exception_ptr error, const std::string& xxh3);

  ChecksumOptions options_;
  ChecksumMemory memory_;
  std::mutex mutex_;
  std::unordered_map<FileKey, std::shared_ptr<Job>, FileKeyHash> running_;
  std::atomic<std::size_t> hashes_started_{0};
  WorkerPool pool_;  // last: its threads stop before the members they use go
};

}  // namespace imgsh::server
