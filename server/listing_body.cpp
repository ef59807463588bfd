#include "server/listing_body.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "protocol/error_code.hpp"
#include "protocol/fd_io.hpp"
#include "server/file_sender.hpp"

namespace imgsh::server {
namespace {

// An unlinked file in the temporary directory: O_TMPFILE, or where that is
// not supported, mkstemp(3) and unlink at once.
UniqueFd anonymous_temp_file() {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
  if (ec) {
    // $TMPDIR names no directory: say so rather than spool somewhere the operator did not choose.
    throw proto::ProtocolError(proto::Errc::internal, "cannot spool a large listing: " + ec.message());
  }
  UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (fd) return fd;
  std::string pattern = (dir / "imgsrv-listing-XXXXXX").string();
  fd.reset(::mkostemp(pattern.data(), O_CLOEXEC));
  if (!fd) {
    throw proto::ProtocolError(proto::Errc::internal,
                               "cannot spool a large listing in " + dir.string() + ": " + std::strerror(errno));
  }
  ::unlink(pattern.c_str());
  return fd;
}

}  // namespace

ListingBody::ListingBody() : buffer_(proto::kListBodyOpen) {}

void ListingBody::add(const proto::FileInfo& entry) {
  proto::append_list_body_entry(buffer_, entry, count_ == 0);
  ++count_;
  if (buffer_.size() >= kHeldBytes) spill();
}

void ListingBody::finish() {
  buffer_ += proto::kListBodyClose;
  if (!spilled()) return;
  spill();
  buffer_.shrink_to_fit();  // from here on the body is on disk only
}

void ListingBody::spill() {
  if (!spill_) spill_ = anonymous_temp_file();
  try {
    proto::write_all(spill_.get(), {reinterpret_cast<const std::uint8_t*>(buffer_.data()), buffer_.size()});
  } catch (const std::system_error& e) {
    throw proto::ProtocolError(proto::Errc::internal, std::string("cannot spool a large listing: ") + e.what());
  }
  spilled_bytes_ += buffer_.size();
  buffer_.clear();
}

asio::awaitable<void> ListingBody::send(proto::NetStream& stream, std::string_view head, bool more_follows) {
  co_await send_head_and_file(stream, head, spill_.get(), 0, spilled_bytes_, more_follows);
}

}  // namespace imgsh::server
