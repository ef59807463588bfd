#pragma once
// Shared by the server's unit tests: a scratch directory, a local store in
// it, and running an awaitable to completion on a private io_context.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "protocol/checksum.hpp"
#include "server/local_dir_store.hpp"

namespace imgsh::server::testing {

// A fresh directory under the system's temporary directory, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("imgsrv-unit-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

  // Every entry, hidden ones included, sorted.
  // Every entry but a store's lock files (root_claim.hpp), which mark who
  // serves the directory and are not content or leftovers.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path_)) {
      std::string name = e.path().filename().string();
      bool claim = name == ".imgsrv-root.lock" || (name.starts_with(".imgsrv-node.") && name.ends_with(".lock"));
      if (!claim) names.push_back(std::move(name));
    }
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::filesystem::path path_;
};

// Runs `work` on its own io_context until it completes; rethrows what it throws.
// The result stays on this thread: asio::use_future completes its promise on
// asio's system thread, and TSan then reports the exception's release there
// racing with this thread's read of it.
template <class T>
T run_awaitable(asio::awaitable<T> work) {
  // One per thread, never destroyed while tests run: a store's worker thread may still be
  // inside its post (signalling the scheduler) after the awaitable has completed here, so
  // an io_context per call would be destroyed under it (TSan: the image facts pool).
  static thread_local asio::io_context io;
  io.restart();
  std::exception_ptr error;
  if constexpr (std::is_void_v<T>) {
    asio::co_spawn(io, std::move(work), [&](std::exception_ptr e) { error = e; });
    io.run();
    if (error) std::rethrow_exception(error);
  } else {
    std::optional<T> value;
    asio::co_spawn(io, std::move(work), [&](std::exception_ptr e, T v) {
      error = e;
      if (!e) value.emplace(std::move(v));
    });
    io.run();
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
}

inline std::vector<std::uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

inline std::string xxh3_of(const std::vector<std::uint8_t>& bytes) {
  proto::Xxh3Hasher hasher;
  hasher.update(bytes);
  return hasher.hex();
}

}  // namespace imgsh::server::testing
