#include "protocol/checksum.hpp"

#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

#include <xxhash.h>

#include "protocol/error_code.hpp"

namespace imgsh::proto {

void Xxh3Hasher::Free::operator()(XXH3_state_s* state) const { XXH3_freeState(state); }

Xxh3Hasher::Xxh3Hasher() : state_(XXH3_createState()) {
  if (!state_) throw std::bad_alloc();
  XXH3_128bits_reset(state_.get());
}

Xxh3Hasher::~Xxh3Hasher() = default;
Xxh3Hasher::Xxh3Hasher(Xxh3Hasher&&) noexcept = default;
Xxh3Hasher& Xxh3Hasher::operator=(Xxh3Hasher&&) noexcept = default;

void Xxh3Hasher::update(std::span<const std::uint8_t> bytes) { XXH3_128bits_update(state_.get(), bytes.data(), bytes.size()); }

std::string Xxh3Hasher::hex() const {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state_.get()));
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(2 * sizeof canonical.digest);
  for (unsigned char byte : canonical.digest) {
    text.push_back(kDigits[byte >> 4]);
    text.push_back(kDigits[byte & 0xF]);
  }
  return text;
}

std::string xxh3_of_file(int fd, std::uint64_t size) {
  Xxh3Hasher hasher;
  std::vector<std::uint8_t> buffer(256 * 1024);
  std::uint64_t offset = 0;
  while (offset < size) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - offset));
    ssize_t n = ::pread(fd, buffer.data(), want, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "read");
    }
    if (n == 0) throw ProtocolError(Errc::internal, "file ended before its announced size");
    hasher.update({buffer.data(), static_cast<std::size_t>(n)});
    offset += static_cast<std::uint64_t>(n);
  }
  return hasher.hex();
}

bool is_xxh3_hex(std::string_view text) {
  if (text.size() != 32) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace imgsh::proto
