#include "shell/request_steps.hpp"

#include <string>

#include "shell/protocol_trace.hpp"

namespace imgsh::shell {

asio::awaitable<proto::Reply> read_reply(Connection& conn, std::uint64_t id, proto::FrameHead* head_out) {
  auto& reader = conn.reader();
  proto::FrameHead head = co_await reader.read_header();
  trace_frame_received(head.header, head.body_len);
  proto::Reply reply = proto::parse_reply(head.header);
  if (reply.id != id && !(reply.id == 0 && reply.status == proto::ReplyStatus::error)) {
    throw RemoteError(proto::Errc::bad_frame,
                      "reply " + std::to_string(reply.id) + " does not answer request " + std::to_string(id));
  }
  if (reply.status == proto::ReplyStatus::error) {
    // An error's body is a few bytes if any: a large one is not read (the
    // caller drops the connection, which is out of step) but refused at once.
    constexpr std::uint64_t kMaxErrorBody = 64 * 1024;
    if (head.body_len > kMaxErrorBody) {
      throw RemoteError(proto::Errc::bad_frame, "the server's error reply announces a " + std::to_string(head.body_len) +
                                                    "-byte body; not read, connection closed (it said: " +
                                                    std::string(proto::to_string(reply.code)) + ": " + reply.message + ")");
    }
    if (reader.in_body()) co_await reader.skip_body();
    if (reply.id == 0) throw RemoteError(reply.code, reply.message);
    throw Refusal(reply.code, reply.message);
  }
  if (head_out) *head_out = std::move(head);
  co_return reply;
}

asio::awaitable<proto::Reply> request(Connection& conn, const proto::RequestBody& body, proto::FrameHead* head_out) {
  auto& stream = conn.stream();
  std::uint64_t id = conn.next_id();
  nlohmann::json header = proto::to_header(proto::Request{id, body});
  trace_frame_sent(header, 0);
  co_await proto::write_frame(stream, header);
  proto::Reply reply = co_await read_reply(conn, id, head_out);
  co_return reply;
}

}  // namespace imgsh::shell
