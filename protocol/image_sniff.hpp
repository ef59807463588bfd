#pragma once
// Image sniffing shared by both ends: the content must be what the name says.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "protocol/names.hpp"

namespace imgsh::proto {

// Bytes needed to recognise every supported kind (the PNG signature).
inline constexpr std::size_t kSniffBytes = 8;

// PNG: the 8-byte signature. JPEG: the SOI marker FF D8 followed by a marker FF.
ImageKind sniff_image(std::span<const std::uint8_t> first_bytes);

// nullopt when the first bytes of a file are the kind its name promises,
// otherwise the not_an_image message for a person.
std::optional<std::string> check_content(std::string_view name, std::span<const std::uint8_t> first_bytes);

// Collects the first kSniffBytes of a stream that arrives in pieces of any size.
class SniffBuffer {
 public:
  void add(std::span<const std::uint8_t> piece);
  bool full() const { return size_ == kSniffBytes; }
  std::span<const std::uint8_t> bytes() const { return {data_.data(), size_}; }

 private:
  std::array<std::uint8_t, kSniffBytes> data_{};
  std::size_t size_ = 0;
};

}  // namespace imgsh::proto
