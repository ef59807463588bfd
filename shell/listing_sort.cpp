#include "shell/listing_sort.hpp"

#include <algorithm>
#include <tuple>

namespace imgsh::shell {
namespace {

std::optional<SortKey> key_named(const std::string& word) {
  if (word == "name") return SortKey::name;
  if (word == "time") return SortKey::time;
  if (word == "size") return SortKey::size;
  if (word == "taken") return SortKey::taken;
  if (word == "pixels") return SortKey::pixels;
  return std::nullopt;
}

std::uint64_t pixels_of(const ListedFile& f) {
  return f.image ? std::uint64_t{f.image->width} * f.image->height : 0;
}

// True when a comes before b (ties by name, so the order is total and stable).
bool before(const ListedFile& a, const ListedFile& b, SortKey key) {
  switch (key) {
    case SortKey::time:
      if (a.mtime != b.mtime) return a.mtime > b.mtime;
      break;
    case SortKey::size:
      if (a.size != b.size) return a.size > b.size;
      break;
    case SortKey::taken: {
      const auto* ta = a.image && a.image->capture_time ? &*a.image->capture_time : nullptr;
      const auto* tb = b.image && b.image->capture_time ? &*b.image->capture_time : nullptr;
      if (!ta != !tb) return ta != nullptr;  // without a capture time: last
      if (ta && *ta != *tb) return *ta > *tb;  // ISO text: newest first
      break;
    }
    case SortKey::pixels:
      if (!a.image != !b.image) return a.image.has_value();
      if (pixels_of(a) != pixels_of(b)) return pixels_of(a) > pixels_of(b);
      break;
    case SortKey::name:
      break;
  }
  return a.name < b.name;
}

}  // namespace

std::optional<SortOrder> take_sort_options(std::vector<std::string>& args, std::string& error) {
  SortOrder order;
  std::vector<std::string> rest;
  for (auto& arg : args) {
    if (arg.starts_with("--sort=")) {
      auto key = key_named(arg.substr(7));
      if (!key) {
        error = "unknown sort '" + arg.substr(7, 32) + "' (known: name time size taken pixels)";
        return std::nullopt;
      }
      order.key = *key;
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-' || arg[1] == '-') {
      rest.push_back(std::move(arg));
      continue;
    }
    std::string kept = "-";
    for (char c : arg.substr(1)) {
      if (c == 't') order.key = SortKey::time;
      else if (c == 'S') order.key = SortKey::size;
      else if (c == 'r') order.reverse = true;
      else kept.push_back(c);
    }
    if (kept.size() > 1) rest.push_back(std::move(kept));
  }
  args = std::move(rest);
  return order;
}

void sort_listing(std::vector<ListedFile>& files, const SortOrder& order) {
  std::sort(files.begin(), files.end(), [&](const ListedFile& a, const ListedFile& b) { return before(a, b, order.key); });
  if (order.reverse) std::reverse(files.begin(), files.end());
}

}  // namespace imgsh::shell
