#include "server/open_file_cache.hpp"

namespace imgsh::server {

bool OpenFileCache::holds(const std::string& name) {
  if (!enabled_) return false;
  std::lock_guard lock(mutex_);
  return index_.contains(name);
}

std::shared_ptr<const OpenFile> OpenFileCache::find(const std::string& name, const struct stat& now) {
  if (!enabled_) return nullptr;
  std::lock_guard lock(mutex_);
  auto it = index_.find(name);
  if (it == index_.end()) return nullptr;
  if (!S_ISREG(now.st_mode) || !((*it->second)->key == file_key(now))) {
    order_.erase(it->second);
    index_.erase(it);
    return nullptr;
  }
  order_.splice(order_.begin(), order_, it->second);
  return *it->second;
}

void OpenFileCache::keep(std::shared_ptr<const OpenFile> file) {
  if (!enabled_ || !file || file->info.size > kMaxSize) return;
  std::lock_guard lock(mutex_);
  const std::string& name = file->info.name;
  if (auto it = index_.find(name); it != index_.end()) {
    order_.erase(it->second);
    index_.erase(it);
  }
  order_.push_front(std::move(file));
  index_.emplace(order_.front()->info.name, order_.begin());
  if (order_.size() > kEntries) {
    index_.erase(order_.back()->info.name);
    order_.pop_back();
  }
}

void OpenFileCache::forget(const std::string& name) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(name); it != index_.end()) {
    order_.erase(it->second);
    index_.erase(it);
  }
}

}  // namespace imgsh::server
