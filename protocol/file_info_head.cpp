#include "protocol/file_info_head.hpp"

#include <algorithm>
#include <charconv>

#include "protocol/frame_codec.hpp"

namespace imgsh::proto {
namespace {

// Bytes a JSON string may hold verbatim: printable ASCII except the two JSON escapes.
bool plain(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
}

template <typename Int>
void put_number(std::string& out, Int value) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

void put_be(std::string& out, std::size_t at, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i, value >>= 8) out[at + static_cast<std::size_t>(i)] = static_cast<char>(value & 0xff);
}

}  // namespace

std::string file_info_head(std::uint64_t id, const FileInfo& info, std::uint64_t body_len) {
  if (info.image || !plain(info.name) || !plain(info.xxh3)) return encode_frame_head(file_info_reply(id, info), body_len);
  constexpr std::size_t kPrefix = 12;  // header_len u32 BE, body_len u64 BE (PROTOCOL.md)
  std::string out;
  out.reserve(kPrefix + 96 + info.name.size() + info.xxh3.size());
  out.resize(kPrefix);
  // The keys in the order nlohmann::json writes an object's (sorted).
  out += "{\"id\":";
  put_number(out, id);
  out += ",\"mtime\":";
  put_number(out, info.mtime);
  out += ",\"name\":\"";
  out += info.name;
  out += "\",\"size\":";
  put_number(out, info.size);
  out += ",\"status\":\"ok\"";
  if (!info.xxh3.empty()) {
    out += ",\"xxh3\":\"";
    out += info.xxh3;
    out += '"';
  }
  out += '}';
  put_be(out, 0, out.size() - kPrefix, 4);
  put_be(out, 4, body_len, 8);
  return out;
}

}  // namespace imgsh::proto
