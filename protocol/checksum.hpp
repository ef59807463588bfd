#pragma once
// The end-to-end checksum of a transfer: XXH3-128 (libxxhash), computed while
// the bytes stream by. Its text form is what `xxhsum -H2` prints: the
// canonical (big-endian) 16 bytes as 32 lowercase hex digits.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct XXH3_state_s;

namespace imgsh::proto {

class Xxh3Hasher {
 public:
  Xxh3Hasher();
  ~Xxh3Hasher();
  Xxh3Hasher(Xxh3Hasher&&) noexcept;
  Xxh3Hasher& operator=(Xxh3Hasher&&) noexcept;

  void update(std::span<const std::uint8_t> bytes);
  // The checksum of every byte given so far, as 32 lowercase hex digits.
  std::string hex() const;

 private:
  struct Free {
    void operator()(XXH3_state_s* state) const;
  };
  std::unique_ptr<XXH3_state_s, Free> state_;
};

// The checksum of `size` bytes of `fd` from offset 0 (pread: the file offset
// is untouched). Throws std::system_error on a read error, ProtocolError
// (internal) if the file is shorter than `size`.
std::string xxh3_of_file(int fd, std::uint64_t size);

// True for exactly 32 lowercase hex digits, the form on the wire.
bool is_xxh3_hex(std::string_view text);

}  // namespace imgsh::proto
