#include "shell/blocking_bridge.hpp"

#include <string>

#include <asio/ssl/error.hpp>
#include <nlohmann/json.hpp>

#include "shell/client_errors.hpp"

namespace imgsh::shell {

void BlockingBridge::rethrow(std::exception_ptr error, const RequestWatch& watch, std::string_view peer) const {
  // The watch closed the socket: whatever the coroutine then threw, the cause is this.
  if (watch.interrupted()) throw Interrupted("interrupted");
  if (!transfers_.stalled().empty()) throw TimedOut("timed out: " + transfers_.stalled() + " (--stall-timeout)");
  if (watch.timed_out()) {
    throw TimedOut("no reply from " + std::string(peer) + " within " + std::to_string(reply_timeout_.count()) + " ms");
  }
  try {
    std::rethrow_exception(error);
  } catch (const asio::system_error& e) {
    // Over TLS a close without close_notify reads as "stream truncated".
    bool closed = e.code() == asio::error::eof || e.code() == asio::ssl::error::stream_truncated;
    std::string why = closed ? "the server closed the connection" : e.code().message();
    throw ConnectionError("connection to " + std::string(peer) + " lost: " + why);
  } catch (const nlohmann::json::exception& e) {
    throw RemoteError(proto::Errc::bad_frame, std::string("malformed reply from the server: ") + e.what());
  }
}

}  // namespace imgsh::shell
