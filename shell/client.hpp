#pragma once
// The operations imgsh asks of imgsrv, as blocking calls over the one
// connection: list, stat, get, put, and many gets or puts pipelined through a
// window of outstanding requests (transfer_window.cpp), which the client keeps
// to itself as OpenSSH's sftp-client.c does. Failures throw the errors of
// client_errors.hpp; the connection's lifecycle is connection.hpp's.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "protocol/checksum.hpp"
#include "protocol/messages.hpp"
#include "protocol/stats_reply.hpp"
#include "shell/client_errors.hpp"
#include "shell/connection.hpp"
#include "shell/tls_verify.hpp"

namespace imgsh::shell {

// Called with the bytes transferred so far.
using ProgressFn = std::function<void(std::uint64_t done)>;

struct Listing {
  std::vector<proto::FileInfo> files;
  bool truncated = false;  // more names matched than the limit let through
};

// What get_many asks of its caller, per file. Every file ends in exactly one
// call of `received` or `failed`, in request order.
struct GetManyCalls {
  // Before the file's request goes out: the descriptor its bytes go to. A
  // throw refuses the file locally; the exception reaches `failed`.
  std::function<int(std::size_t index)> open;
  // The reply's header is in and the body follows: its progress callback (may be empty).
  std::function<ProgressFn(std::size_t index, const proto::FileInfo& info)> receiving;
  // Every byte arrived and matched the server's checksum.
  std::function<void(std::size_t index, const proto::FileInfo& info)> received;
  // Why not, as thrown: by `open`, an error of client_errors.hpp, or NotTransferred.
  // The caller must not keep what was written to the file's descriptor.
  std::function<void(std::size_t index, std::exception_ptr why)> failed;
};

struct PutSource {
  int fd = -1;  // read with pread; must stay open until the file's outcome is reported
  std::uint64_t size = 0;
};

// What put_many asks of its caller, per file; `stored` or `failed` once each, in order.
struct PutManyCalls {
  std::function<PutSource(std::size_t index)> open;  // a throw refuses the file locally
  // A file too large to travel inline (limits().inline_put_max) is announced
  // and waits for the server's continue: the progress callback of its body.
  std::function<ProgressFn(std::size_t index, std::uint64_t size)> sending;
  std::function<void(std::size_t index, const proto::FileInfo& info)> stored;
  std::function<void(std::size_t index, std::exception_ptr why)> failed;
};

// get -c / reget: only the bytes from `offset` on are asked for, and `hashed`
// has already seen the first offset bytes (the kept partial), so the whole file's
// checksum is verified. `announced` (if set) gets the reply's header before the body.
struct GetFrom {
  std::uint64_t offset = 0;
  proto::Xxh3Hasher* hashed = nullptr;
  proto::FileInfo* announced = nullptr;
};

class Client {
 public:
  Client(std::string host, std::string port) : conn_(std::move(host), std::move(port)) {}

  // The connection (connection.hpp has the details).
  void use_tls(const TlsSettings& settings) { conn_.use_tls(settings); }
  void use_token(std::string token) { conn_.use_token(std::move(token)); }
  void connect() { conn_.connect(); }
  bool connected() const { return conn_.connected(); }
  bool ensure_connected() { return conn_.ensure_connected(); }
  void disconnect() { conn_.disconnect(); }
  const std::string& server_text() const { return conn_.server_text(); }
  const std::string& target_text() const { return conn_.target_text(); }
  const proto::Limits& limits() const { return conn_.limits(); }
  const std::string& server_name() const { return conn_.server_name(); }
  // While a request waits, a readable `fd` (the Ctrl-C pipe) cancels it:
  // the request throws Interrupted and the connection is dropped.
  void cancel_when_readable(int fd) { conn_.bridge().cancel_when_readable(fd); }
  // A request not answered within `timeout` (0: no limit) throws
  // ConnectionError and drops the connection (Tab completion uses this).
  void set_reply_timeout(std::chrono::milliseconds timeout) { conn_.bridge().set_reply_timeout(timeout); }
  // list and stat must be answered within `timeout` (0: no limit); transfers are not bound.
  void set_query_timeout(std::chrono::milliseconds timeout) { query_timeout_ = timeout; }
  void set_connect_timeout(std::chrono::milliseconds timeout) { conn_.set_connect_timeout(timeout); }
  // A get or put body that moves no byte for `timeout` (0: no limit) throws TimedOut.
  void set_stall_timeout(std::chrono::milliseconds timeout) { conn_.bridge().transfer_deadline().set_limit(timeout); }
  void allow_plaintext_token(bool allow) { conn_.allow_plaintext_token(allow); }
  // Listings (client_listing.cpp). list_each hands on each entry as it is decoded
  // (proto::ListBodyDecoder): a listing of any size costs bounded memory. The reply's
  // header must come within the query deadline; the body, which the caller may be
  // printing through a pager, then only has to keep moving (--stall-timeout).
  // Returns whether more names matched than `limit` let through.
  using ListEntryFn = std::function<void(proto::FileInfo&&)>;
  bool list_each(const std::string& prefix, std::uint64_t limit, const ListEntryFn& on_entry);
  // The entries `keep` accepts (all when empty), held: for sorting, globs and Tab
  // completion. Whole under the query deadline; past kMaxHeldListing bytes held the
  // listing is given up (too_large, the connection dropped).
  using ListFilter = std::function<bool(const proto::FileInfo&)>;
  Listing list(const std::string& prefix, std::uint64_t limit, const ListFilter& keep = {});
  static constexpr std::uint64_t kMaxHeldListing = 64ull << 20;
  proto::FileInfo stat(const std::string& name);
  // Writes the file's bytes to out_fd. A local write failure throws
  // LocalIoError (and disconnects, since the rest of the body is unread).
  // Bytes that do not match the server's checksum throw
  // Refusal(checksum_mismatch): the caller must not keep out_fd's file.
  proto::FileInfo get(const std::string& name, int out_fd, const ProgressFn& progress = {});
  // get -c / reget: from a kept partial (GetFrom above).
  proto::FileInfo get(const std::string& name, int out_fd, const ProgressFn& progress, const GetFrom& from);
  // Inline when size <= limits().inline_put_max, else announced first.
  // `mtime` (put -p; 0: none): the stored file's modification time.
  proto::FileInfo put(const std::string& name, int in_fd, std::uint64_t size, const ProgressFn& progress = {},
                      std::int64_t mtime = 0);
  // put -c / reput (client_resume_put.cpp): announced with the whole file's `xxh3`, so
  // the server continues an upload of the same name, size and content that was cut;
  // only the bytes after those it holds travel. `resumed_at` gets their count (0: all sent).
  proto::FileInfo resume_put(const std::string& name, int in_fd, std::uint64_t size, const std::string& xxh3,
                             std::uint64_t& resumed_at, const ProgressFn& progress = {}, std::int64_t mtime = 0);
  void bye();
  // A thumbnail of `name` (the thumb op, thumb_fetch.cpp): longer side at most `edge`.
  // A body over kMaxThumbBody is refused unread (the connection is dropped).
  struct ThumbBytes {
    proto::ThumbReply header;
    std::string bytes;
  };
  ThumbBytes thumb(const std::string& name, std::uint32_t edge);
  static constexpr std::uint64_t kMaxThumbBody = 8ull << 20;
  // Need rwd rights (client_removals.cpp). rename never replaces: exists.
  void remove(const std::string& name);
  proto::FileInfo rename(const std::string& name, const std::string& new_name);
  // The server's counters (client_stats.cpp).
  proto::StatsReply stats();

  // Many files over the window: requests go out ahead of earlier replies, so
  // small files pay no round trip each. After a failure that breaks the
  // connection, the rest fail with NotTransferred.
  void get_many(const std::vector<std::string>& names, const GetManyCalls& calls);
  void put_many(const std::vector<std::string>& names, const PutManyCalls& calls);

 private:
  using HeaderFn = std::function<ProgressFn(const proto::FileInfo&)>;
  asio::awaitable<proto::FileInfo> receive_get(std::uint64_t id, const std::string& name, int out_fd,
                                               const HeaderFn& on_header, const GetFrom& from = {});
  asio::awaitable<void> receive_body(const std::string& name, const proto::FileInfo& info, int out_fd,
                                     const ProgressFn& progress, const GetFrom& from);
  asio::awaitable<proto::FileInfo> put_exchange(const std::string& name, int in_fd, std::uint64_t size,
                                                const ProgressFn& progress, std::int64_t mtime = 0);
  asio::awaitable<std::uint64_t> send_inline_put(const std::string& name, int in_fd, std::uint64_t size);
  // `size` bytes of in_fd from offset `from` (a resumed put: the rest), progress counted from `from`.
  asio::awaitable<proto::Reply> send_body_then_reply(const std::string& head, std::uint64_t id, int in_fd,
                                                     std::uint64_t size, const ProgressFn& progress,
                                                     std::uint64_t from = 0);
  asio::awaitable<void> send_put_frames(const std::string& head, std::uint64_t id, int in_fd, std::uint64_t size,
                                        const ProgressFn& progress, std::uint64_t from = 0);
  asio::awaitable<proto::FileInfo> resume_put_exchange(const std::string& name, int in_fd, std::uint64_t size,
                                                       const std::string& xxh3, std::uint64_t& resumed_at,
                                                       const ProgressFn& progress, std::int64_t mtime);
  std::size_t read_local(int in_fd, std::uint64_t offset, std::uint64_t want);
  bool receive_listing(const std::string& prefix, std::uint64_t limit, const ListEntryFn& on_entry,
                       bool whole_under_deadline);

  Connection conn_;
  std::chrono::milliseconds query_timeout_{30000};
  static constexpr std::size_t kSendBufferSize = 1024 * 1024;
  std::vector<std::uint8_t> send_buffer_;  // put bodies pass through it (hashed on the way); made on first put
};

}  // namespace imgsh::shell
