#include "server/token_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "protocol/display_text.hpp"
#include "protocol/fd_io.hpp"

namespace imgsh::server {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::array<std::uint8_t, 32> sha256(std::string_view text) {
  std::array<std::uint8_t, 32> digest{};
  unsigned int len = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &len, EVP_sha256(), nullptr) != 1 || len != digest.size()) {
    throw std::runtime_error("SHA-256 failed");
  }
  return digest;
}

std::string hex(const std::uint8_t* bytes, std::size_t n) {
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xF];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_digest(std::string_view text, std::array<std::uint8_t, 32>& out) {
  if (text.size() != out.size() * 2) return false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_value(text[2 * i]);
    int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// 2026-12-03T16:00:00Z, as utc_now() writes.
bool valid_date(std::string_view text) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (text.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (kShape[i] == 'd' ? (text[i] < '0' || text[i] > '9') : text[i] != kShape[i]) return false;
  }
  return true;
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

std::string_view to_string(Rights rights) {
  switch (rights) {
    case Rights::read_only:
      return "ro";
    case Rights::read_write:
      return "rw";
    case Rights::read_write_delete:
      return "rwd";
  }
  return "?";
}

bool valid_token_label(std::string_view label) {
  if (label.empty() || label.size() > 64 || label.front() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-' || c == '@' || c == '+';
  });
}

std::string token_fingerprint(const TokenEntry& entry) { return hex(entry.hash.data(), 6); }

std::optional<TokenEntry> parse_token_line(std::string_view line, const std::string& where) {
  std::string_view rest = line;
  std::string_view note;
  if (auto hash_mark = rest.find('#'); hash_mark != std::string_view::npos) {
    note = trim(rest.substr(hash_mark + 1));
    rest = rest.substr(0, hash_mark);
  }
  rest = trim(rest);
  if (rest.empty()) return std::nullopt;
  std::vector<std::string_view> fields;
  while (!rest.empty()) {
    auto space = rest.find_first_of(" \t");
    fields.push_back(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view{} : trim(rest.substr(space));
  }
  std::string_view digest_text = fields[0];
  std::string_view rights_text = fields.size() > 1 ? fields[1] : "";
  TokenEntry entry{};
  if (!parse_digest(digest_text, entry.hash)) {
    throw std::runtime_error(where + ": expected the SHA-256 of a token (64 hex digits), as `imgsrv token add` writes");
  }
  if (rights_text == "rw") {
    entry.rights = Rights::read_write;
  } else if (rights_text == "ro") {
    entry.rights = Rights::read_only;
  } else if (rights_text == "rwd") {
    entry.rights = Rights::read_write_delete;
  } else {
    throw std::runtime_error(where + ": rights must be ro, rw or rwd");
  }
  if (fields.size() > 4) throw std::runtime_error(where + ": expected <hash> <rights> [<label> [<date added>]]");
  if (fields.size() > 2) {
    if (!valid_token_label(fields[2])) {
      throw std::runtime_error(where + ": a label is 1 to 64 of A-Z a-z 0-9 . _ - @ + (not starting with -)");
    }
    entry.label = fields[2];
  } else {
    entry.label = token_fingerprint(entry);
  }
  if (fields.size() > 3) {
    if (!valid_date(fields[3])) throw std::runtime_error(where + ": the date added must look like 2026-12-03T16:00:00Z");
    entry.added = fields[3];
  } else if (note.starts_with("added ") && valid_date(trim(note.substr(6)))) {
    entry.added = trim(note.substr(6));  // the note older versions wrote
  } else {
    entry.added = std::string(1, '-');  // not = "-": GCC bug 105329 (-Wrestrict at -O3)
  }
  return entry;
}

TokenStore TokenStore::load(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read token file " + file.string() + ": " + std::strerror(errno));
  TokenStore store;
  std::string line;
  std::map<std::string, int> label_lines;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string where = file.string() + " line " + std::to_string(number);
    std::optional<TokenEntry> entry = parse_token_line(line, where);
    if (!entry) continue;
    auto [it, fresh] = label_lines.emplace(entry->label, number);
    if (!fresh) {
      throw std::runtime_error(where + ": label " + entry->label + " is already used on line " +
                               std::to_string(it->second));
    }
    store.entries_.push_back(std::move(*entry));
  }
  return store;
}

std::optional<Rights> TokenStore::lookup(std::string_view token) const {
  std::optional<TokenGrant> found = grant(token);
  if (!found) return std::nullopt;
  return found->rights;
}

std::optional<TokenGrant> TokenStore::grant(std::string_view token) const {
  std::array<std::uint8_t, 32> digest = sha256(token);
  const TokenEntry* found = nullptr;
  // Every entry is compared, whatever matched, so timing says nothing either.
  for (const TokenEntry& e : entries_) {
    if (CRYPTO_memcmp(e.hash.data(), digest.data(), digest.size()) == 0) found = &e;
  }
  if (!found) return std::nullopt;
  return TokenGrant{found->rights, found->label};
}

std::string add_token(const std::filesystem::path& file, Rights rights, std::string label) {
  if (!label.empty() && !valid_token_label(label)) {
    throw std::runtime_error("invalid label '" + proto::escape_for_display(label) + "': 1 to 64 of A-Z a-z 0-9 . _ - @ + (not starting with -)");
  }
  if (!label.empty() && std::filesystem::exists(file)) {
    TokenStore existing = TokenStore::load(file);
    for (const TokenEntry& e : existing.entries()) {
      if (e.label == label) throw std::runtime_error("label " + label + " is already in " + file.string());
    }
  }
  std::array<std::uint8_t, 32> secret{};
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
    throw std::runtime_error("no random bytes from OpenSSL (RAND_bytes failed)");
  }
  std::string token = hex(secret.data(), secret.size());
  OPENSSL_cleanse(secret.data(), secret.size());
  TokenEntry entry{};
  entry.hash = sha256(token);
  if (label.empty()) label = token_fingerprint(entry);
  std::string line = hex(entry.hash.data(), entry.hash.size()) + " " + std::string(to_string(rights)) + " " + label +
                     " " + utc_now() + "\n";
  int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open token file " + file.string() + ": " + std::strerror(errno));
  try {
    std::string_view bytes = line;
    proto::write_all(fd, {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
    if (::fsync(fd) != 0) throw std::system_error(errno, std::generic_category(), "fsync");
  } catch (const std::system_error& e) {
    ::close(fd);
    throw std::runtime_error("cannot write token file " + file.string() + ": " + e.code().message());
  }
  ::close(fd);
  return token;
}

}  // namespace imgsh::server
