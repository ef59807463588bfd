// Client::remove and Client::rename: the two requests that need rwd rights.
// Each is one request without a body, answered at once: bound by the query
// deadline like list and stat.
#include "shell/client.hpp"
#include "shell/query_deadline.hpp"
#include "shell/request_steps.hpp"

namespace imgsh::shell {

void Client::remove(const std::string& name) {
  proto::RequestBody removal = proto::Delete{name};
  QueryDeadline deadline(conn_.bridge(), query_timeout_);
  conn_.run([&]() -> asio::awaitable<proto::Reply> { co_return co_await request(conn_, removal); }());
}

proto::FileInfo Client::rename(const std::string& name, const std::string& new_name) {
  proto::RequestBody renaming = proto::Rename{name, new_name};
  QueryDeadline deadline(conn_.bridge(), query_timeout_);
  return conn_.run([&]() -> asio::awaitable<proto::FileInfo> {
    proto::Reply reply = co_await request(conn_, renaming);
    co_return proto::parse_file_info_reply(reply);
  }());
}

}  // namespace imgsh::shell
