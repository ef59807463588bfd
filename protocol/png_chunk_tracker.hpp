#pragma once
// Follows a PNG byte stream as the decoder reads it (signature, then length, type, data,
// CRC per chunk) so that a failure can name the chunk it happened in: "CRC mismatch in
// IDAT", "truncated: no IEND chunk". libspng reports what went wrong but not where.
#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace imgsh::proto {

class PngChunkTracker {
 public:
  void feed(std::span<const std::uint8_t> bytes);

  bool in_signature() const { return part_ == Part::signature; }
  // Between two chunks: the previous one is complete, nothing of the next is read.
  bool between_chunks() const { return part_ == Part::header && header_got_ == 0; }
  // The chunk being read ("IDAT"), or the last complete one when between chunks.
  std::string current() const { return type_name(current_); }
  // The last chunk whose CRC has been read; empty before the first.
  std::string last_complete() const { return complete_ ? type_name(last_complete_) : std::string(); }
  // Inside a chunk whose length and type are read: its data bytes still to come (0 when
  // only the CRC is), so a reader can take over from the decoder at that point.
  bool inside_chunk() const { return part_ == Part::data || part_ == Part::crc; }
  std::uint64_t data_left() const { return part_ == Part::data ? left_ : 0; }
  // What went wrong when the file ends here: "truncated: no IEND chunk (the last chunk
  // is IDAT)", "truncated: the file ends inside the tEXt chunk".
  std::string truncation() const;

 private:
  enum class Part { signature, header, data, crc };
  static std::string type_name(const std::array<std::uint8_t, 4>& type);

  Part part_ = Part::signature;
  std::uint64_t left_ = 8;  // bytes left in the signature, data or CRC
  std::array<std::uint8_t, 8> header_{};
  std::size_t header_got_ = 0;
  std::array<std::uint8_t, 4> current_{};
  std::array<std::uint8_t, 4> last_complete_{};
  bool complete_ = false;
};

}  // namespace imgsh::proto
