#pragma once
// Slows down guessing: each failed token from one address makes the next
// refusal to that address wait longer (doubling, capped). Per-address state is
// bounded: past kMaxAddresses the address idle longest is forgotten.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <unordered_map>

#include <asio/ip/address.hpp>

namespace imgsh::server {

class AuthThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kFirstDelay{100};
  static constexpr std::chrono::milliseconds kMaxDelay{3000};
  static constexpr std::size_t kMaxAddresses = 4096;
  // Failures older than this are forgiven.
  static constexpr std::chrono::minutes kMemory{10};

  // Counts a failure from `peer`; returns how long to wait before refusing it.
  std::chrono::milliseconds failure(const asio::ip::address& peer, Clock::time_point now = Clock::now());
  // A good token: forget the address's failures.
  void success(const asio::ip::address& peer);
  std::size_t tracked() const;

 private:
  struct State {
    unsigned failures = 0;
    Clock::time_point last;
  };
  void make_room(Clock::time_point now);

  mutable std::mutex mutex_;
  std::unordered_map<asio::ip::address, State> states_;
};

}  // namespace imgsh::server
