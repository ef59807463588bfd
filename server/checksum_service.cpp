#include "server/checksum_service.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include "protocol/checksum.hpp"
#include "protocol/error_code.hpp"
#include "protocol/unique_fd.hpp"

namespace imgsh::server {

using proto::Errc;
using StoreError = proto::ProtocolError;
using Waiter = std::function<void(std::exception_ptr, std::string)>;

struct ChecksumService::Job {
  FileKey key;
  std::string name;
  UniqueFd fd;  // a dup: the job outlives the request that started it
  std::vector<Waiter> waiters;
};

namespace {

StoreError shutting_down(const std::string& name) {
  return StoreError(Errc::busy, name + ": the server is shutting down");
}

// XXH3 of `size` bytes from offset 0, polling `cancelled` between chunks.
std::string hash_file(int fd, std::uint64_t size, std::size_t chunk, const WorkerPool& pool, const std::string& name) {
  proto::Xxh3Hasher hasher;
  std::vector<std::uint8_t> buffer(chunk);
  std::uint64_t offset = 0;
  while (offset < size) {
    if (pool.cancelled()) throw shutting_down(name);
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - offset));
    ssize_t n = ::pread(fd, buffer.data(), want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw StoreError(Errc::internal, name + ": cannot read: " + std::strerror(errno));
    if (n == 0) throw StoreError(Errc::internal, name + ": the file ended before its size");
    hasher.update({buffer.data(), static_cast<std::size_t>(n)});
    offset += static_cast<std::uint64_t>(n);
  }
  return hasher.hex();
}

}  // namespace

ChecksumService::ChecksumService(const ChecksumOptions& options)
    : options_(options), memory_(options.memory_entries), pool_(options.workers, options.max_queued, "imgsrv-hash") {}

ChecksumService::~ChecksumService() {
  cancel();
  join();
}

void ChecksumService::cancel() { pool_.cancel(); }
void ChecksumService::join() { pool_.join(); }

asio::awaitable<std::string> ChecksumService::checksum(int fd, const struct stat& st, std::string name) {
  // Memory first: the key is the whole FileKey of this fstat, so an entry is exact,
  // and a hit costs no fgetxattr. A valid xattr is kept in memory for the next get.
  FileKey key = file_key(st);
  if (auto cached = memory_.find(key)) co_return *cached;
  if (auto cached = xattr_checksum(fd, st)) {
    memory_.put(key, *cached);
    co_return *cached;
  }
  // The initiation runs once this coroutine is suspended; the result is
  // posted back to this coroutine's executor (its session's strand).
  // g++ 12 destroys the initiation's captures twice (asio 1.22 passes it by
  // value into a coroutine): every capture is trivially destructible, and
  // `name` lives in this frame, suspended while the initiation runs.
  const std::string* name_here = &name;
  auto wait = asio::async_initiate<const asio::use_awaitable_t<>, void(std::exception_ptr, std::string)>(
      [this, fd, key, name_here](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto executor = asio::get_associated_executor(*shared);
        start_or_join(fd, key, *name_here, [shared, executor](std::exception_ptr error, std::string xxh3) {
          asio::post(executor, [shared, error, xxh3 = std::move(xxh3)]() mutable { (*shared)(error, std::move(xxh3)); });
        });
      },
      asio::use_awaitable);
  std::string xxh3 = co_await std::move(wait);
  co_return xxh3;
}

void ChecksumService::start_or_join(int fd, const FileKey& key, const std::string& name, Waiter waiter) {
  std::shared_ptr<Job> job;
  {
    std::lock_guard lock(mutex_);
    if (auto it = running_.find(key); it != running_.end()) {
      it->second->waiters.push_back(std::move(waiter));
      return;
    }
    job = std::make_shared<Job>();
    job->key = key;
    job->name = name;
    job->fd.reset(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (!job->fd) {
      waiter(std::make_exception_ptr(StoreError(Errc::internal, name + ": cannot duplicate a descriptor")), {});
      return;
    }
    job->waiters.push_back(std::move(waiter));
    running_.emplace(key, job);
  }
  std::function<void()> work = [this, job] { run(job); };
  if (!pool_.try_submit(work)) {
    finish(job, std::make_exception_ptr(StoreError(Errc::busy, name + ": too many files are being checked; try again")),
           {});
  }
}

void ChecksumService::run(const std::shared_ptr<Job>& job) {
  ++hashes_started_;
  std::string xxh3;
  try {
    xxh3 = hash_file(job->fd.get(), static_cast<std::uint64_t>(job->key.size), options_.chunk_bytes, pool_, job->name);
    struct stat st {};
    // Kept only if the file did not change while it was read.
    if (::fstat(job->fd.get(), &st) == 0 && file_key(st) == job->key) remember(job->fd.get(), xxh3);
  } catch (...) {
    finish(job, std::current_exception(), {});
    return;
  }
  finish(job, nullptr, xxh3);
}

void ChecksumService::finish(const std::shared_ptr<Job>& job, std::exception_ptr error, const std::string& xxh3) {
  std::vector<Waiter> waiters;
  {
    std::lock_guard lock(mutex_);
    running_.erase(job->key);
    waiters.swap(job->waiters);
  }
  for (auto& w : waiters) w(error, xxh3);
}

std::optional<std::string> ChecksumService::known(int fd, const struct stat& st) {
  if (auto cached = xattr_checksum(fd, st)) return cached;
  return memory_.find(file_key(st));
}

void ChecksumService::remember(int fd, std::string_view xxh3) {
  Recorded recorded = record_checksum(fd, xxh3);
  if (!recorded.in_xattr) memory_.put(recorded.key, std::string(xxh3));
}

}  // namespace imgsh::server
