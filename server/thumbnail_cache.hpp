#pragma once
// Thumbnails made lately, kept in memory up to a byte budget, the least recently used
// going first. Keyed by the file's FileKey (inode, size, mtime, ctime: a changed file
// never matches) and the edge asked. Thread-safe.
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "protocol/image_thumbnail.hpp"
#include "server/checksum_cache.hpp"
#include "server/checksum_memory.hpp"

namespace imgsh::server {

struct ThumbKey {
  FileKey file;
  std::uint32_t edge = 0;
  friend bool operator==(const ThumbKey&, const ThumbKey&) = default;
};

struct ThumbKeyHash {
  std::size_t operator()(const ThumbKey& k) const noexcept { return FileKeyHash{}(k.file) * 31 + k.edge; }
};

using SharedThumbnail = std::shared_ptr<const proto::Thumbnail>;

class ThumbnailCache {
 public:
  explicit ThumbnailCache(std::size_t budget_bytes) : budget_(budget_bytes) {}

  SharedThumbnail find(const ThumbKey& key) {
    std::lock_guard lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }

  // A thumbnail larger than the whole budget is not kept.
  void put(const ThumbKey& key, SharedThumbnail thumb) {
    std::lock_guard lock(mutex_);
    if (thumb->bytes.size() > budget_ || index_.contains(key)) return;
    used_ += thumb->bytes.size();
    order_.emplace_front(key, std::move(thumb));
    index_.emplace(key, order_.begin());
    while (used_ > budget_) {
      used_ -= order_.back().second->bytes.size();
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }

 private:
  using Entry = std::pair<ThumbKey, SharedThumbnail>;
  std::size_t budget_;
  std::size_t used_ = 0;
  std::mutex mutex_;
  std::list<Entry> order_;
  std::unordered_map<ThumbKey, std::list<Entry>::iterator, ThumbKeyHash> index_;
};

}  // namespace imgsh::server
