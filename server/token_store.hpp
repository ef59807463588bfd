#pragma once
// The tokens a server accepts, read from its --tokens file. The file holds
// only SHA-256 hashes of tokens, never a token itself:
//
//   # comment
//   <64 hex digits: SHA-256 of the token> <ro|rw|rwd> [<label> [<date added>]] [# note]
//
// Files written before labels existed have only the hash and the rights; such
// an entry's label is its fingerprint (and its date the `# added DATE` note
// older versions wrote, if present).
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

// One line of a token file.
struct TokenEntry {
  std::array<std::uint8_t, 32> hash{};
  Rights rights = Rights::read_write;
  std::string label;  // unique in the file; the fingerprint when the line has none
  std::string added;  // UTC, e.g. 2026-12-03T16:00:00Z; "-" when unknown
};

// What a known token grants: its rights, and its label for the logs.
struct TokenGrant {
  Rights rights;
  std::string label;
};

// 1 to 64 of A-Z a-z 0-9 . _ - @ +, not starting with '-'.
bool valid_token_label(std::string_view label);
// A short, stable name for an entry: the first 12 hex digits of its stored
// hash (the hash is not secret; the token cannot be derived from it).
std::string token_fingerprint(const TokenEntry& entry);

// Parses one line; nothing for a blank or comment line. Throws
// std::runtime_error starting with `where` for a malformed line.
std::optional<TokenEntry> parse_token_line(std::string_view line, const std::string& where);

class TokenStore {
 public:
  // Reads the file; throws std::runtime_error naming the file and line at fault.
  static TokenStore load(const std::filesystem::path& file);

  // The rights of `token`, or nothing if it is not one of ours. Compares the
  // token's hash with every entry in constant time (CRYPTO_memcmp).
  std::optional<Rights> lookup(std::string_view token) const;
  // Its rights and label, or nothing; compares as lookup() does.
  std::optional<TokenGrant> grant(std::string_view token) const;
  std::size_t size() const { return entries_.size(); }
  const std::vector<TokenEntry>& entries() const { return entries_; }

 private:
  std::vector<TokenEntry> entries_;
};

// Makes a new random token (32 bytes from RAND_bytes, as 64 hex digits),
// appends its hash, rights, label (empty: its fingerprint) and the date to
// `file` (created mode 0600), and returns the token, the only time it exists
// in the clear. A label already in the file is refused. Throws std::runtime_error.
std::string add_token(const std::filesystem::path& file, Rights rights, std::string label = "");

std::string_view to_string(Rights rights);

}  // namespace imgsh::server
