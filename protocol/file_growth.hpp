#pragma once
// A file that is still being written while a decoder reads it: the server validates a
// put while its body streams into the temporary (server/streaming_validation.hpp), so a
// reader behind the writer waits for more bytes instead of taking the current end of the
// file for its end. fd_reader.hpp asks before every read past what it knows is there.
#include <cstdint>
#include <optional>

namespace imgsh::proto {

class FileGrowth {
 public:
  // Waits (with the implementation's own deadline) until the file holds more than
  // `offset` bytes or is complete, and returns how many bytes it holds: a value at or
  // below `offset` means it is complete and ends there. nullopt: the writer gave up (an
  // abandoned upload, a shutdown, a stalled body): the read fails with ECANCELED.
  virtual std::optional<std::uint64_t> wait_beyond(std::uint64_t offset) = 0;

 protected:
  ~FileGrowth() = default;
};

}  // namespace imgsh::proto
