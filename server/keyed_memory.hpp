#pragma once
// What the server knows about a stored file (its checksum, its image facts), held in
// memory: bounded, the least recently used entry goes first. Keyed by the whole FileKey
// (inode, size, mtime, ctime), so a changed file never matches. Thread-safe.
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

#include "server/checksum_cache.hpp"

namespace imgsh::server {

struct FileKeyHash {
  std::size_t operator()(const FileKey& k) const noexcept {
    std::size_t h = std::hash<std::uint64_t>{}(k.ino);
    for (std::uint64_t v : {k.dev, static_cast<std::uint64_t>(k.size), static_cast<std::uint64_t>(k.mtime_ns),
                            static_cast<std::uint64_t>(k.ctime_ns)}) {
      h ^= std::hash<std::uint64_t>{}(v) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    }
    return h;
  }
};

template <typename Value>
class KeyedMemory {
 public:
  explicit KeyedMemory(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

  std::optional<Value> find(const FileKey& key) {
    std::lock_guard lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }

  void put(const FileKey& key, Value value) {
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(key); it != index_.end()) {
      it->second->second = std::move(value);
      order_.splice(order_.begin(), order_, it->second);
      return;
    }
    order_.emplace_front(key, std::move(value));
    index_.emplace(key, order_.begin());
    if (order_.size() > capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }

  std::size_t size() {
    std::lock_guard lock(mutex_);
    return order_.size();
  }

 private:
  using Entry = std::pair<FileKey, Value>;
  std::size_t capacity_;
  std::mutex mutex_;
  std::list<Entry> order_;  // most recently used first
  std::unordered_map<FileKey, typename std::list<Entry>::iterator, FileKeyHash> index_;
};

}  // namespace imgsh::server
