#include "server/token_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

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

TokenStore TokenStore::load(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read token file " + file.string() + ": " + std::strerror(errno));
  TokenStore store;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string_view rest = line;
    if (auto hash_mark = rest.find('#'); hash_mark != std::string_view::npos) rest = rest.substr(0, hash_mark);
    rest = trim(rest);
    if (rest.empty()) continue;
    auto space = rest.find_first_of(" \t");
    std::string_view digest_text = rest.substr(0, space);
    std::string_view rights_text = space == std::string_view::npos ? "" : trim(rest.substr(space));
    auto where = [&] { return file.string() + " line " + std::to_string(number); };
    Entry entry{};
    if (!parse_digest(digest_text, entry.hash)) {
      throw std::runtime_error(where() + ": expected the SHA-256 of a token (64 hex digits), as `imgsrv token add` writes");
    }
    if (rights_text == "rw") {
      entry.rights = Rights::read_write;
    } else if (rights_text == "ro") {
      entry.rights = Rights::read_only;
    } else if (rights_text == "rwd") {
      entry.rights = Rights::read_write_delete;
    } else {
      throw std::runtime_error(where() + ": rights must be ro, rw or rwd");
    }
    store.entries_.push_back(entry);
  }
  return store;
}

std::optional<Rights> TokenStore::lookup(std::string_view token) const {
  Digest digest = sha256(token);
  std::optional<Rights> found;
  // Every entry is compared, whatever matched, so timing says nothing either.
  for (const Entry& e : entries_) {
    if (CRYPTO_memcmp(e.hash.data(), digest.data(), digest.size()) == 0) found = e.rights;
  }
  return found;
}

std::string add_token(const std::filesystem::path& file, Rights rights) {
  std::array<std::uint8_t, 32> secret{};
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
    throw std::runtime_error("no random bytes from OpenSSL (RAND_bytes failed)");
  }
  std::string token = hex(secret.data(), secret.size());
  OPENSSL_cleanse(secret.data(), secret.size());
  TokenStore::Digest digest = sha256(token);
  std::string line = hex(digest.data(), digest.size()) + " " + std::string(to_string(rights)) + "  # added " +
                     utc_now() + "\n";
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
