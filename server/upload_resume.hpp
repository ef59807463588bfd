#pragma once
// Kept uploads (put -c / reput, PROTOCOL.md section 4): a put that asked to
// resume and was cut (connection lost, stalled, server stopping) leaves its
// temporary in the root for the resume window instead of removing it, under a
// name made of this node's id and a hash of (name, size, whole-file xxh3), so
// only a put of the same name, size and content finds it again. The sweep at
// start-up and `imgsrv check` see it as one of the server's temporaries
// (`.imgsrv-tmp.<node>.resume-<hash>`); a start-up sweep keeps this node's
// unexpired ones and hands them here.
//
// This registry knows which kept temporaries are in use by a live upload (one
// at a time per key: a second gets busy), which wait for a resume and until
// when, and removes them when their window ends (a janitor thread waiting on
// the earliest expiry, never an I/O thread) or when keeping another would pass
// the bounds (count, bytes: the oldest go first). Hashing a kept prefix, a
// whole-file job, runs on its own small worker pool.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include <asio/awaitable.hpp>

#include "protocol/checksum.hpp"
#include "server/worker_pool.hpp"

namespace imgsh::server {

struct ResumeOptions {
  std::chrono::seconds window{600};       // how long a cut upload is kept; 0: never kept
  std::size_t max_kept = 64;              // kept temporaries at most; the oldest goes first
  std::uint64_t max_kept_bytes = 16ull << 30;  // their bytes at most; the oldest goes first
};

inline constexpr std::string_view kResumeMark = "resume-";

// `.imgsrv-tmp.<node>.resume-<xxh3 of name, size and xxh3>`: one name per key.
std::string resume_temp_name(const std::string& node_id, const std::string& name, std::uint64_t size,
                             const std::string& xxh3);
// The key hash of a kept upload's temporary `.imgsrv-tmp.<any node>.resume-<hash>`;
// empty for any other name.
std::string_view resume_key_of(std::string_view temp);
// `.imgsrv-tmp.<node>.resume-<key>`.
std::string resume_temp_name(const std::string& node_id, std::string_view key);

class KeptUploads {
 public:
  KeptUploads(int root_fd, ResumeOptions options);
  ~KeptUploads();  // stops the janitor and the hashing pool; leaves the kept files
  KeptUploads(const KeptUploads&) = delete;
  KeptUploads& operator=(const KeptUploads&) = delete;

  bool enabled() const { return options_.window.count() > 0; }
  std::chrono::seconds window() const { return options_.window; }

  // A live upload starts writing `temp`: false when another live upload holds it.
  bool take(const std::string& temp);
  // The live upload of `temp` ended. published: nothing to do; keep: kept for
  // the window (removing the oldest kept beyond the bounds); else removed.
  enum class End { published, keep, drop };
  void release(const std::string& temp, End end, std::uint64_t bytes);
  // Start-up: a kept temporary of an earlier run, last written at `written`.
  void adopt(const std::string& temp, std::chrono::system_clock::time_point written, std::uint64_t bytes);
  // The XXH3 state after the first `size` bytes of `fd`, hashed on the pool
  // while the caller's coroutine waits without holding its thread. Throws
  // StoreError busy (pool full or shutting down), internal (read error).
  asio::awaitable<proto::Xxh3Hasher> hash_prefix(int fd, std::uint64_t size, std::string name);
  void cancel() { pool_.cancel(); }
  void join() { pool_.join(); }

  std::size_t kept_count() const;  // for tests

 private:
  struct Kept {
    std::chrono::system_clock::time_point expires;
    std::uint64_t bytes = 0;
  };
  void keep_locked(const std::string& temp, std::chrono::system_clock::time_point expires, std::uint64_t bytes);
  void run_janitor();

  int root_fd_;
  ResumeOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::set<std::string> live_;
  std::map<std::string, Kept> kept_;
  std::uint64_t kept_bytes_ = 0;
  bool stopping_ = false;
  WorkerPool pool_;
  std::thread janitor_;  // last: started once the members it reads exist
};

}  // namespace imgsh::server
