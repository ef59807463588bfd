#include "server/auth_throttle.hpp"

#include <algorithm>

namespace imgsh::server {
namespace {

// An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d: one key for both.
asio::ip::address key_of(const asio::ip::address& peer) {
  if (peer.is_v6() && peer.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, peer.to_v6());
  }
  return peer;
}

}  // namespace

std::chrono::milliseconds AuthThrottle::failure(const asio::ip::address& peer, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto key = key_of(peer);
  auto it = states_.find(key);
  if (it == states_.end()) {
    make_room(now);
    it = states_.emplace(key, State{}).first;
  } else if (now - it->second.last > kMemory) {
    it->second.failures = 0;
  }
  State& s = it->second;
  s.last = now;
  s.failures = std::min(s.failures + 1, 32u);
  auto delay = kFirstDelay * (1ll << std::min(s.failures - 1, 16u));
  return std::min<std::chrono::milliseconds>(delay, kMaxDelay);
}

void AuthThrottle::success(const asio::ip::address& peer) {
  std::lock_guard lock(mutex_);
  states_.erase(key_of(peer));
}

std::size_t AuthThrottle::tracked() const {
  std::lock_guard lock(mutex_);
  return states_.size();
}

void AuthThrottle::make_room(Clock::time_point now) {
  if (states_.size() < kMaxAddresses) return;
  std::erase_if(states_, [&](const auto& entry) { return now - entry.second.last > kMemory; });
  if (states_.size() < kMaxAddresses) return;
  auto oldest = std::min_element(states_.begin(), states_.end(),
                                 [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
  states_.erase(oldest);
}

}  // namespace imgsh::server
