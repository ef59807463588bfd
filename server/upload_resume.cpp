#include "server/upload_resume.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <functional>
#include <vector>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include "protocol/error_code.hpp"
#include "protocol/unique_fd.hpp"
#include "server/local_dir_store.hpp"

namespace imgsh::server {
namespace {

using proto::Errc;
using proto::ProtocolError;

constexpr std::size_t kHashChunk = 1024 * 1024;

std::string key_hash(const std::string& name, std::uint64_t size, const std::string& xxh3) {
  std::string key = name;
  key += '\0';
  key += std::to_string(size);
  key += '\0';
  key += xxh3;
  proto::Xxh3Hasher hasher;
  hasher.update({reinterpret_cast<const std::uint8_t*>(key.data()), key.size()});
  return hasher.hex();
}

// The first `size` bytes of `fd`, hashed; polls `pool` for cancellation between chunks.
proto::Xxh3Hasher hash_bytes(int fd, std::uint64_t size, const WorkerPool& pool, const std::string& name) {
  proto::Xxh3Hasher hasher;
  std::vector<std::uint8_t> buffer(static_cast<std::size_t>(std::min<std::uint64_t>(kHashChunk, size)));
  std::uint64_t done = 0;
  while (done < size) {
    if (pool.cancelled()) throw ProtocolError(Errc::busy, name + ": the server is shutting down");
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - done));
    ssize_t n = ::pread(fd, buffer.data(), want, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ProtocolError(Errc::internal, name + ": cannot read the kept upload: " + std::strerror(errno));
    if (n == 0) throw ProtocolError(Errc::internal, name + ": the kept upload ended early");
    hasher.update({buffer.data(), static_cast<std::size_t>(n)});
    done += static_cast<std::uint64_t>(n);
  }
  return hasher;
}

}  // namespace

std::string resume_temp_name(const std::string& node_id, std::string_view key) {
  return std::string(kTempPrefix) + node_id + "." + std::string(kResumeMark) + std::string(key);
}

std::string resume_temp_name(const std::string& node_id, const std::string& name, std::uint64_t size,
                             const std::string& xxh3) {
  return resume_temp_name(node_id, key_hash(name, size, xxh3));
}

std::string_view resume_key_of(std::string_view temp) {
  if (!temp.starts_with(kTempPrefix)) return {};
  auto dot = temp.rfind('.');
  std::string_view last = temp.substr(dot + 1);
  if (dot < kTempPrefix.size() || !last.starts_with(kResumeMark) || last.size() != kResumeMark.size() + 32) return {};
  std::string_view key = last.substr(kResumeMark.size());
  return proto::is_xxh3_hex(key) ? key : std::string_view{};
}

KeptUploads::KeptUploads(int root_fd, ResumeOptions options)
    : root_fd_(root_fd), options_(options), pool_(1, 8) {
  if (enabled()) janitor_ = std::thread([this] { run_janitor(); });
}

KeptUploads::~KeptUploads() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (janitor_.joinable()) janitor_.join();
  pool_.cancel();
  pool_.join();
}

bool KeptUploads::take(const std::string& temp) {
  std::lock_guard lock(mutex_);
  if (!live_.insert(temp).second) return false;
  if (auto it = kept_.find(temp); it != kept_.end()) {
    kept_bytes_ -= it->second.bytes;
    kept_.erase(it);
  }
  return true;
}

void KeptUploads::release(const std::string& temp, End end, std::uint64_t bytes) {
  std::lock_guard lock(mutex_);
  live_.erase(temp);
  if (end == End::published) return;
  if (end == End::drop || !enabled() || bytes == 0) {
    ::unlinkat(root_fd_, temp.c_str(), 0);
    return;
  }
  keep_locked(temp, std::chrono::system_clock::now() + options_.window, bytes);
  wake_.notify_all();
}

void KeptUploads::adopt(const std::string& temp, std::chrono::system_clock::time_point written, std::uint64_t bytes) {
  std::lock_guard lock(mutex_);
  keep_locked(temp, written + options_.window, bytes);
  wake_.notify_all();
}

// Kept beyond the bounds: the oldest (earliest expiry) go first; a file alone
// beyond the byte bound is not kept at all.
void KeptUploads::keep_locked(const std::string& temp, std::chrono::system_clock::time_point expires,
                              std::uint64_t bytes) {
  if (bytes > options_.max_kept_bytes || options_.max_kept == 0) {
    ::unlinkat(root_fd_, temp.c_str(), 0);
    return;
  }
  while (!kept_.empty() && (kept_.size() + 1 > options_.max_kept || kept_bytes_ + bytes > options_.max_kept_bytes)) {
    auto oldest = std::min_element(kept_.begin(), kept_.end(),
                                   [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
    ::unlinkat(root_fd_, oldest->first.c_str(), 0);
    kept_bytes_ -= oldest->second.bytes;
    kept_.erase(oldest);
  }
  kept_[temp] = Kept{expires, bytes};
  kept_bytes_ += bytes;
}

// Waits for the earliest expiry (or a minute, or a change), removes what expired.
void KeptUploads::run_janitor() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto now = std::chrono::system_clock::now();
    auto next = now + std::chrono::minutes(1);
    for (auto it = kept_.begin(); it != kept_.end();) {
      if (it->second.expires <= now) {
        ::unlinkat(root_fd_, it->first.c_str(), 0);
        kept_bytes_ -= it->second.bytes;
        it = kept_.erase(it);
      } else {
        next = std::min(next, it->second.expires);
        ++it;
      }
    }
    wake_.wait_until(lock, next);
  }
}

std::size_t KeptUploads::kept_count() const {
  std::lock_guard lock(mutex_);
  return kept_.size();
}

asio::awaitable<proto::Xxh3Hasher> KeptUploads::hash_prefix(int fd, std::uint64_t size, std::string name) {
  if (size == 0) co_return proto::Xxh3Hasher{};
  // The job reads a dup of the descriptor, so it never reads a number reused
  // after the upload closed its own. The initiation's captures are trivially
  // destructible (g++ 12 with asio 1.22 destroys them twice: checksum_service.cpp).
  auto dup = std::make_shared<UniqueFd>(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!*dup) throw ProtocolError(Errc::internal, name + ": cannot duplicate a descriptor");
  const std::string* name_here = &name;
  std::shared_ptr<UniqueFd>* dup_here = &dup;
  WorkerPool* pool = &pool_;
  using Result = std::shared_ptr<proto::Xxh3Hasher>;
  auto wait = asio::async_initiate<const asio::use_awaitable_t<>, void(std::exception_ptr, Result)>(
      [pool, size, name_here, dup_here](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto executor = asio::get_associated_executor(*shared);
        std::function<void()> job = [pool, size, name = *name_here, file = *dup_here, shared, executor] {
          std::exception_ptr error;
          Result hashed;
          try {
            hashed = std::make_shared<proto::Xxh3Hasher>(hash_bytes(file->get(), size, *pool, name));
          } catch (...) {
            error = std::current_exception();
          }
          asio::post(executor, [shared, error, hashed]() mutable { (*shared)(error, hashed); });
        };
        if (!pool->try_submit(job)) {
          auto busy = std::make_exception_ptr(ProtocolError(Errc::busy, *name_here + ": too many kept uploads are being checked; try again"));
          asio::post(executor, [shared, busy]() mutable { (*shared)(busy, Result{}); });
        }
      },
      asio::use_awaitable);
  Result hashed = co_await std::move(wait);
  co_return std::move(*hashed);
}

}  // namespace imgsh::server
