// Client::resume_put: put -c / reput (PROTOCOL.md section 4, "Resuming a put").
// Always announced: the put carries resume and the whole file's xxh3; the
// continue says how many bytes the server already holds of that file (0 from a
// server that keeps nothing or ignores resume); the data frame carries the rest,
// and its trailer the rest's checksum. The server verifies the whole file's
// checksum before it publishes.
#include "shell/client.hpp"
#include "shell/protocol_trace.hpp"
#include "shell/request_steps.hpp"

namespace imgsh::shell {

proto::FileInfo Client::resume_put(const std::string& name, int in_fd, std::uint64_t size, const std::string& xxh3,
                                   std::uint64_t& resumed_at, const ProgressFn& progress, std::int64_t mtime) {
  return conn_.run(resume_put_exchange(name, in_fd, size, xxh3, resumed_at, progress, mtime));
}

asio::awaitable<proto::FileInfo> Client::resume_put_exchange(const std::string& name, int in_fd, std::uint64_t size,
                                                             const std::string& xxh3, std::uint64_t& resumed_at,
                                                             const ProgressFn& progress, std::int64_t mtime) {
  auto& stream = conn_.stream();
  TransferDeadline::Watch watch(conn_.bridge().transfer_deadline(), stream.tcp(), TransferDeadline::Direction::sending,
                                "the server stopped taking " + name + ": no byte acknowledged");
  std::uint64_t id = conn_.next_id();
  proto::Put announce{name, size, mtime};
  announce.resume = true;
  announce.xxh3 = xxh3;
  nlohmann::json put = proto::to_header(proto::Request{id, announce});
  trace_frame_sent(put, 0);
  co_await proto::write_head(stream, put, 0);
  proto::Reply reply = co_await read_reply(conn_, id);
  if (reply.status != proto::ReplyStatus::continue_) throw RemoteError(proto::Errc::bad_frame, "expected continue");
  resumed_at = proto::continue_offset(reply, size);
  if (progress && resumed_at > 0) progress(resumed_at);
  nlohmann::json data = proto::to_header(proto::Request{id, proto::Data{}});
  std::uint64_t rest = size - resumed_at;
  trace_frame_sent(data, rest);
  std::string head = proto::encode_frame_head(data, rest);
  reply = co_await send_body_then_reply(head, id, in_fd, rest, progress, resumed_at);
  co_return proto::parse_file_info_reply(reply);
}

}  // namespace imgsh::shell
