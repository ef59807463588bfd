#pragma once
// Where the stored images live, behind one interface, so a second backend (a
// shared directory, an object store) plugs in without touching the handlers.
// Every call is an awaitable, so slow work (hashing a whole file, a network
// round trip) runs off the I/O threads: the local directory store hashes on
// a worker pool (checksum_service.hpp).
// Refusals are thrown as StoreError with their wire code (invalid_name,
// unsupported_type, not_found, exists, no_space, internal).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "protocol/checksum.hpp"
#include "protocol/error_code.hpp"
#include "protocol/image_thumbnail.hpp"
#include "protocol/image_check.hpp"
#include "protocol/messages.hpp"
#include "protocol/net_stream.hpp"

namespace imgsh::server {

using StoreError = proto::ProtocolError;

// Receives a listing's entries one at a time, in bytewise name order.
using ListingSink = std::function<void(const proto::FileInfo&)>;

// A stored file opened for reading. It sends itself, because only the
// backend knows the fastest way (sendfile(2) from a local directory).
class StoredFile {
 public:
  virtual ~StoredFile() = default;
  // Name, size, mtime and checksum, as of the open.
  virtual const proto::FileInfo& info() const = 0;
  // Sends `head` (a frame's prefix and header) and then exactly info().size
  // bytes, or those from `offset` on (a resumed get; offset <= size). `more_follows`: another reply comes right after (small replies
  // may then share TCP segments). Throws std::runtime_error when the file
  // ended early (the frame cannot be completed: close the connection), and
  // asio::system_error when the connection fails.
  virtual asio::awaitable<void> send(proto::NetStream& stream, std::string_view head, bool more_follows,
                                     std::uint64_t offset = 0) = 0;
};

// One upload in progress. Destroying it without publish() aborts it: nothing
// of it remains in the store.
class UploadSink {
 public:
  virtual ~UploadSink() = default;
  virtual asio::awaitable<void> write(std::span<const std::uint8_t> bytes) = 0;  // no_space, internal
  // Decodes the bytes written so far by real decoders (protocol/image_check.hpp), off
  // the I/O threads, and returns the image's facts. Throws the library's refusal
  // (not_an_image, too_large for the pixel limit, with its message), or busy.
  virtual asio::awaitable<proto::ImageFacts> validate(const proto::ImageLimits& limits) = 0;
  // Before the first write: starts validate()'s decode now, reading behind the writes, if
  // a worker is free for it (a large body then costs what is left of the decode after its
  // last byte, not a whole decode). validate() is still called after the last write.
  // `stall_limit`: how long the decoder waits for a byte. Default: nothing starts early.
  virtual void validate_while_writing(const proto::ImageLimits& limits, std::chrono::steady_clock::duration stall_limit) {
    (void)limits;
    (void)stall_limit;
  }
  // Makes the bytes visible under the name, never replacing a stored file:
  // of two racing uploads of one name exactly one publishes, the other gets
  // exists. `xxh3` is the verified checksum of the bytes, kept with the file.
  // `mtime` (put -p; 0: none) becomes the file's modification time before it appears.
  virtual asio::awaitable<proto::FileInfo> publish(std::string xxh3, std::int64_t mtime) = 0;
  // A resumable upload (Storage::begin_resumable_upload): the bytes already held from
  // an earlier, cut upload of the same name, size and content; writes go on after them.
  virtual std::uint64_t held() const { return 0; }
  // The XXH3 state over the held bytes, hashed off the I/O threads (busy, internal).
  virtual asio::awaitable<proto::Xxh3Hasher> hash_held() { co_return proto::Xxh3Hasher{}; }
  // A resumable upload destroyed unpublished keeps its bytes for the resume window
  // unless told here not to (a refusal: wrong content, no space).
  virtual void keep_if_cut(bool keep) { (void)keep; }
};

class Storage {
 public:
  virtual ~Storage() = default;
  // Stored images whose names start with `prefix`; at most `limit` (0: all),
  // handed to `sink` in bytewise name order as they are found, so no one holds
  // a whole listing. Returns whether more names matched beyond `limit`.
  // Never lists hidden names, temporaries, links or anything but regular files.
  virtual asio::awaitable<bool> list(std::string prefix, std::uint64_t limit, const ListingSink& sink) const = 0;
  // A stored file's facts, with its checksum. Throws not_found.
  virtual asio::awaitable<proto::FileInfo> stat(std::string name) const = 0;
  virtual asio::awaitable<std::unique_ptr<StoredFile>> open(std::string name) const = 0;  // not_found
  // A small upright JPEG or PNG of a stored image, longer side at most `edge` pixels
  // (thumbnail_service.hpp). Throws not_found, not_an_image, too_large, busy.
  virtual asio::awaitable<std::shared_ptr<const proto::Thumbnail>> thumbnail(std::string name, std::uint32_t edge) const = 0;
  // Whether an upload of `size` bytes under `name` could start now: a valid
  // name, not stored yet, room for it. Creates nothing.
  virtual asio::awaitable<void> check_upload(std::string name, std::uint64_t size) const = 0;
  // check_upload, then the sink the bytes go into.
  virtual asio::awaitable<std::unique_ptr<UploadSink>> begin_upload(std::string name, std::uint64_t size) const = 0;
  // put -c / reput: begin_upload, continuing what a cut upload of the same name, size
  // and whole-file `xxh3` left (UploadSink::held); busy while another upload holds it.
  // A store that keeps nothing begins afresh.
  virtual asio::awaitable<std::unique_ptr<UploadSink>> begin_resumable_upload(std::string name, std::uint64_t size,
                                                                              std::string xxh3) const {
    (void)xxh3;
    co_return co_await begin_upload(std::move(name), size);
  }
  // Removes a stored file (not_found; invalid_name for hidden names, so no
  // temporary or lock can be named). A get already sending it completes with
  // the old content.
  virtual asio::awaitable<void> remove(std::string name) const = 0;
  // Gives a stored file a new name, never replacing one: of two renames to
  // one new name exactly one wins, the other gets exists. The new name must
  // promise the same image kind (not_an_image otherwise). Returns the file's
  // facts under its new name.
  virtual asio::awaitable<proto::FileInfo> rename(std::string from, std::string to) const = 0;
  // Shutdown: stop whole-file work in progress (requests waiting on it get
  // busy) without blocking; then, once the I/O threads are done, wait for the
  // workers, so none of them posts to an io_context being destroyed.
  virtual void cancel_work() const {}
  virtual void join_work() const {}
};

}  // namespace imgsh::server
