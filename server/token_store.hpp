#pragma once
// The tokens a server accepts, read from its --tokens file. The file holds
// only SHA-256 hashes of tokens, never a token itself:
//
//   # comment
//   <64 hex digits: SHA-256 of the token> <ro|rw|rwd> [# note]
//
// ro < rw < rwd: rw adds put, rwd adds delete and rename.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgsh::server {

enum class Rights { read_only, read_write, read_write_delete };

class TokenStore {
 public:
  // Reads the file; throws std::runtime_error naming the file and line at fault.
  static TokenStore load(const std::filesystem::path& file);

  // The rights of `token`, or nothing if it is not one of ours. Compares the
  // token's hash with every entry in constant time (CRYPTO_memcmp).
  std::optional<Rights> lookup(std::string_view token) const;
  std::size_t size() const { return entries_.size(); }

 private:
  using Digest = std::array<std::uint8_t, 32>;
  struct Entry {
    Digest hash;
    Rights rights;
  };
  std::vector<Entry> entries_;

  friend std::string add_token(const std::filesystem::path& file, Rights rights);
};

// Makes a new random token (32 bytes from RAND_bytes, as 64 hex digits),
// appends its hash and rights to `file` (created mode 0600), and returns the
// token, the only time it exists in the clear. Throws std::runtime_error.
std::string add_token(const std::filesystem::path& file, Rights rights);

std::string_view to_string(Rights rights);

}  // namespace imgsh::server
