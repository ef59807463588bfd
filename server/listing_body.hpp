#pragma once
// A list reply's body, encoded as the store hands over its entries. It stays
// in memory while small; past kHeldBytes it is spilled to an unlinked
// temporary file and goes out by sendfile(2) (file_sender.hpp). So a session
// holds at most kHeldBytes of a listing of any size, and none of it in memory
// while a reader that does not read blocks the send; the frame's body_len is
// known before the first byte leaves, and the listing is one consistent
// snapshot. The temporary lives in the server's temporary directory ($TMPDIR,
// else /tmp) and vanishes with the last descriptor, even on a crash.
#include <cstdint>
#include <string>
#include <string_view>

#include <asio/awaitable.hpp>

#include "protocol/messages.hpp"
#include "protocol/net_stream.hpp"
#include "protocol/unique_fd.hpp"

namespace imgsh::server {

class ListingBody {
 public:
  static constexpr std::size_t kHeldBytes = 256 * 1024;

  ListingBody();
  // Appends one entry. Throws ProtocolError(internal) when the spill file cannot be written.
  void add(const proto::FileInfo& entry);
  // Closes the JSON array; no add() after it.
  void finish();

  std::uint64_t count() const { return count_; }
  std::uint64_t size() const { return spilled_bytes_ + buffer_.size(); }  // the frame's body_len
  bool spilled() const { return static_cast<bool>(spill_); }
  // The whole body, when it was never spilled.
  std::string take_memory() { return std::move(buffer_); }
  // When spilled(): sends `head` (the frame's prefix and header), then the body. Throws
  // asio::system_error when the connection fails.
  asio::awaitable<void> send(proto::NetStream& stream, std::string_view head, bool more_follows);

 private:
  void spill();

  std::string buffer_;
  UniqueFd spill_;
  std::uint64_t spilled_bytes_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace imgsh::server
