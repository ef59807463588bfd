#include "shell/client.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "protocol/checksum.hpp"
#include "protocol/fd_io.hpp"
#include "shell/protocol_trace.hpp"
#include "shell/query_deadline.hpp"
#include "shell/request_steps.hpp"

namespace imgsh::shell {
namespace {

// What --stall-timeout says of a put whose body the server stopped taking.
std::string stalled_put(const std::string& name) {
  return "the server stopped taking " + name + ": no byte acknowledged";
}

}  // namespace

// (Coroutine call arguments are always lvalues in the client: g++ 12 can
// destroy a temporary in a co_await expression twice.)

proto::FileInfo Client::stat(const std::string& name) {
  proto::RequestBody stat = proto::Stat{name};
  QueryDeadline deadline(conn_.bridge(), query_timeout_);
  return conn_.run([&]() -> asio::awaitable<proto::FileInfo> {
    proto::Reply reply = co_await request(conn_, stat);
    co_return proto::parse_file_info_reply(reply);
  }());
}

proto::FileInfo Client::get(const std::string& name, int out_fd, const ProgressFn& progress) {
  return get(name, out_fd, progress, GetFrom{});
}

proto::FileInfo Client::get(const std::string& name, int out_fd, const ProgressFn& progress, const GetFrom& from) {
  proto::RequestBody get = proto::Get{name, from.offset};
  HeaderFn on_header = [&progress, &from](const proto::FileInfo& info) {
    if (from.announced) *from.announced = info;
    return progress;
  };
  return conn_.run([&]() -> asio::awaitable<proto::FileInfo> {
    auto& stream = conn_.stream();
    std::uint64_t id = conn_.next_id();
    nlohmann::json header = proto::to_header(proto::Request{id, get});
    trace_frame_sent(header, 0);
    co_await proto::write_frame(stream, header);
    proto::FileInfo info = co_await receive_get(id, name, out_fd, on_header, from);
    co_return info;
  }());
}

proto::FileInfo Client::put(const std::string& name, int in_fd, std::uint64_t size, const ProgressFn& progress,
                            std::int64_t mtime) {
  return conn_.run(put_exchange(name, in_fd, size, progress, mtime));
}

void Client::bye() {
  if (!connected()) return;
  proto::RequestBody farewell = proto::Bye{};
  try {
    conn_.run(request(conn_, farewell));
  } catch (const std::exception&) {
  }
  disconnect();
}

// A thumbnail is made on the server from the whole file: answered within the query deadline.
Client::ThumbBytes Client::thumb(const std::string& name, std::uint32_t edge) {
  proto::RequestBody thumb = proto::Thumb{name, edge};
  QueryDeadline deadline(conn_.bridge(), query_timeout_);
  return conn_.run([&]() -> asio::awaitable<ThumbBytes> {
    proto::FrameHead head;
    proto::Reply reply = co_await request(conn_, thumb, &head);
    ThumbBytes out{proto::parse_thumb_reply(reply), {}};
    if (head.body_len > kMaxThumbBody || head.body_len == 0) {
      throw RemoteError(proto::Errc::bad_frame, "the server's thumbnail is " + std::to_string(head.body_len) +
                                                    " bytes, outside 1.." + std::to_string(kMaxThumbBody) + "; not read");
    }
    while (true) {
      auto piece = co_await conn_.reader().read_body_some();
      if (piece.empty()) break;
      out.bytes.append(reinterpret_cast<const char*>(piece.data()), piece.size());
    }
    co_return out;
  }());
}

// The reply to get `id`: its header (then `on_header`'s progress callback), and its body into out_fd.
asio::awaitable<proto::FileInfo> Client::receive_get(std::uint64_t id, const std::string& name, int out_fd,
                                                     const HeaderFn& on_header, const GetFrom& from) {
  proto::FrameHead head;
  proto::Reply reply = co_await read_reply(conn_, id, &head);
  proto::FileInfo info = proto::parse_file_info_reply(reply);
  // A resumed get's reply echoes its offset; its body is the rest of the file.
  auto echoed = reply.fields.find("offset");
  std::uint64_t offset = echoed != reply.fields.end() && echoed->is_number_unsigned() ? echoed->get<std::uint64_t>() : 0;
  if (offset != from.offset || info.size < offset || head.body_len != info.size - offset) {
    throw RemoteError(proto::Errc::bad_frame, "get reply body does not match its size");
  }
  ProgressFn progress = on_header ? on_header(info) : ProgressFn();
  co_await receive_body(name, info, out_fd, progress, from);
  co_return info;
}

asio::awaitable<void> Client::receive_body(const std::string& name, const proto::FileInfo& info, int out_fd,
                                           const ProgressFn& progress, const GetFrom& from) {
  if (info.xxh3.empty()) throw RemoteError(proto::Errc::bad_frame, "get reply carries no xxh3 checksum");
  TransferDeadline::Watch watch(conn_.bridge().transfer_deadline(), conn_.stream().tcp(),
                                TransferDeadline::Direction::receiving,
                                "the server stopped sending " + name + ": no byte came");
  proto::Xxh3Hasher own;
  proto::Xxh3Hasher& hasher = from.hashed ? *from.hashed : own;
  std::uint64_t done = from.offset;  // progress counts the whole file
  while (true) {
    auto piece = co_await conn_.reader().read_body_some();
    if (piece.empty()) break;
    try {
      proto::write_all(out_fd, piece);
    } catch (const std::system_error& e) {
      throw LocalIoError(std::string("cannot write the local file: ") + e.code().message());
    }
    hasher.update(piece);
    done += piece.size();
    if (progress) progress(done);
    watch.moved();
  }
  if (std::string received = hasher.hex(); received != info.xxh3) {
    // A Refusal: the whole reply was read, the connection goes on.
    throw Refusal(proto::Errc::checksum_mismatch, name + ": the bytes received (xxh3 " + received +
                                                      ") differ from the server's file (xxh3 " + info.xxh3 +
                                                      "); the local file was not kept");
  }
}

// One put from request to reply: inline when small enough, else announced,
// so a refusal (exists, too_large, no_space) costs no body.
asio::awaitable<proto::FileInfo> Client::put_exchange(const std::string& name, int in_fd, std::uint64_t size,
                                                      const ProgressFn& progress, std::int64_t mtime) {
  auto& stream = conn_.stream();
  TransferDeadline::Watch watch(conn_.bridge().transfer_deadline(), stream.tcp(), TransferDeadline::Direction::sending,
                                stalled_put(name));
  std::uint64_t id = conn_.next_id();
  nlohmann::json put = proto::to_header(proto::Request{id, proto::Put{name, size, mtime}});
  proto::Reply reply;
  if (size <= conn_.limits().inline_put_max) {
    trace_frame_sent(put, size);
    std::string head = proto::encode_frame_head(put, size);
    reply = co_await send_body_then_reply(head, id, in_fd, size, progress);
  } else {
    trace_frame_sent(put, 0);
    co_await proto::write_head(stream, put, 0);
    reply = co_await read_reply(conn_, id);
    if (reply.status != proto::ReplyStatus::continue_) throw RemoteError(proto::Errc::bad_frame, "expected continue");
    nlohmann::json data = proto::to_header(proto::Request{id, proto::Data{}});
    trace_frame_sent(data, size);
    std::string head = proto::encode_frame_head(data, size);
    reply = co_await send_body_then_reply(head, id, in_fd, size, progress);
  }
  co_return proto::parse_file_info_reply(reply);
}

// An inline put's frames, without waiting for its reply (the window reads it later); its id.
asio::awaitable<std::uint64_t> Client::send_inline_put(const std::string& name, int in_fd, std::uint64_t size) {
  TransferDeadline::Watch watch(conn_.bridge().transfer_deadline(), conn_.stream().tcp(),  // not connected: throws
                                TransferDeadline::Direction::sending, stalled_put(name));
  std::uint64_t id = conn_.next_id();
  nlohmann::json put = proto::to_header(proto::Request{id, proto::Put{name, size}});
  std::string head = proto::encode_frame_head(put, size);
  trace_frame_sent(put, size);
  try {
    ProgressFn no_progress;
    co_await send_put_frames(head, id, in_fd, size, no_progress);
  } catch (const proto::ProtocolError&) {
    throw LocalIoError("the local file changed size while it was being sent");
  }
  co_return id;
}

asio::awaitable<proto::Reply> Client::send_body_then_reply(const std::string& head, std::uint64_t id, int in_fd,
                                                           std::uint64_t size, const ProgressFn& progress,
                                                           std::uint64_t from) {
  bool body_incomplete = false;
  try {
    co_await send_put_frames(head, id, in_fd, size, progress, from);
  } catch (const proto::ProtocolError&) {
    throw LocalIoError("the local file changed size while it was being sent");
  } catch (const asio::system_error& e) {
    // The server refused mid-body and closed: its reply, if it arrived, says
    // why better than "broken pipe" does.
    if (e.code() != asio::error::broken_pipe && e.code() != asio::error::connection_reset) throw;
    body_incomplete = true;
  }
  proto::Reply reply;
  try {
    reply = co_await read_reply(conn_, id);
  } catch (const Refusal& e) {
    if (!body_incomplete) throw;
    throw RemoteError(e.code(), e.what());  // answered, but the stream is out of step
  }
  if (body_incomplete) throw asio::system_error(asio::error::broken_pipe);
  co_return reply;
}

// Up to `want` bytes of the local file at `offset` into send_buffer_; the count read.
std::size_t Client::read_local(int in_fd, std::uint64_t offset, std::uint64_t want) {
  std::size_t size = static_cast<std::size_t>(std::min<std::uint64_t>(want, send_buffer_.size()));
  while (true) {
    ssize_t n = ::pread(in_fd, send_buffer_.data(), size, static_cast<off_t>(offset));
    if (n > 0) return static_cast<std::size_t>(n);
    if (n == 0) throw proto::ProtocolError(proto::Errc::internal, "the local file ended before its size");
    if (errno != EINTR) throw LocalIoError(std::string("cannot read the local file: ") + std::strerror(errno));
  }
}

// `head` (a put or data frame's prefix and header), the file's `size` bytes and the
// checksum trailer, hashed as they are read so the file is read once; a small file
// leaves in one write, head, body and trailer together.
asio::awaitable<void> Client::send_put_frames(const std::string& head, std::uint64_t id, int in_fd, std::uint64_t size,
                                              const ProgressFn& progress, std::uint64_t from) {
  auto& stream = conn_.stream();
  std::string_view unsent_head = head;
  if (send_buffer_.empty()) send_buffer_.resize(kSendBufferSize);
  proto::Xxh3Hasher hasher;
  std::uint64_t done = 0;
  while (true) {
    std::size_t n = done < size ? read_local(in_fd, from + done, size - done) : 0;
    hasher.update({send_buffer_.data(), n});
    done += n;
    std::string trailer;
    if (done == size) {
      nlohmann::json checksum = proto::to_header(proto::Request{id, proto::Checksum{hasher.hex()}});
      trace_frame_sent(checksum, 0);
      trailer = proto::encode_frame_head(checksum, 0);
    }
    std::array<asio::const_buffer, 3> buffers{asio::buffer(unsent_head), asio::buffer(send_buffer_.data(), n),
                                              asio::buffer(trailer)};
    co_await asio::async_write(stream, buffers, asio::use_awaitable);
    unsent_head = {};
    if (progress && n > 0) progress(from + done);
    if (done == size) co_return;
  }
}

}  // namespace imgsh::shell
