#include "server/session.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ssl/error.hpp>
#include <asio/use_awaitable.hpp>

#include <spdlog/spdlog.h>

#include "protocol/client_cancel.hpp"
#include "protocol/endpoint_text.hpp"
#include "server/client_cancel.hpp"
#include "server/graceful_close.hpp"
#include "server/log_text.hpp"
#include "server/op_table.hpp"
#include "server/put_exchange.hpp"
#include "server/request_log.hpp"
#include "server/tcp_progress.hpp"
#include "server/tls_accept.hpp"

namespace imgsh::server {
namespace {

using proto::Errc;
using proto::ProtocolError;

// A client that has not finished its TLS handshake by then is dropped.
constexpr std::chrono::seconds kTlsHandshakeLimit{10};

// As the client sent them: escaped (log_safe) only when a line is written, so a
// request whose summary line is below the log level pays no escaping.
std::string requested_name(const nlohmann::json& header) {
  auto it = header.find("name");
  return it != header.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string requested_op(const nlohmann::json& header) {
  auto it = header.find("op");
  return it != header.end() && it->is_string() ? it->get<std::string>() : "?";
}

constexpr std::size_t kLoggedOpMax = 32;

// The request line of a cancelled request: "<client> get big.png cancelled by the client ...".
constexpr std::string_view kCancelledMessage = "by the client";

SessionWatchdog::Duration seconds(double s) {
  return std::chrono::duration_cast<SessionWatchdog::Duration>(std::chrono::duration<double>(s));
}

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

Session::Session(proto::NetStream socket, const ServerContext& server)
    : socket_(std::move(socket)),
      reader_(socket_),
      server_(server),
      watchdog_(socket_.tcp()),
      hello_deadline_(std::chrono::steady_clock::now() + seconds(server.options.hello_timeout)) {
  asio::error_code ec;
  auto ep = socket_.tcp().remote_endpoint(ec);
  peer_ = ec ? "?" : proto::endpoint_text(ep);
  if (!ec) peer_address_ = ep.address();
  socket_.tcp().set_option(asio::ip::tcp::no_delay(true), ec);
}

void Session::stop() {
  closing_ = true;
  if (idle_) {
    asio::error_code ec;
    socket_.tcp().shutdown(asio::ip::tcp::socket::shutdown_receive, ec);
    socket_.tcp().cancel(ec);
  }
}

asio::awaitable<void> Session::run() {
  auto self = shared_from_this();
  spdlog::debug("{} connected", peer_);
  asio::co_spawn(executor(), [self]() -> asio::awaitable<void> { co_await self->watchdog_.run(); }, asio::detached);
  Ending ending = co_await converse();
  co_await finish(std::move(ending));
}

asio::awaitable<Session::Ending> Session::converse() {
  std::exception_ptr error;
  try {
    co_await handshake();
    co_await serve_requests();
  } catch (...) {
    error = std::current_exception();
  }
  co_return error ? ending_after(error) : Ending{};
}

asio::awaitable<void> Session::handshake() {
  if (!socket_.tls()) co_return;
  std::chrono::steady_clock::duration limit =
      std::min<std::chrono::steady_clock::duration>(kTlsHandshakeLimit, seconds(server_.options.hello_timeout));
  std::string agreed = co_await accept_tls(socket_, limit);
  spdlog::info("{} {}", peer_, agreed);
}

asio::awaitable<void> Session::serve_requests() {
  using Phase = SessionWatchdog::Phase;
  while (!closing_) {
    idle_ = true;
    if (reader_.idle()) {
      arm_watchdog(Phase::idle, seconds(server_.options.idle_timeout));
      co_await wait_for_request();
    }
    arm_watchdog(Phase::header, seconds(server_.options.header_timeout));
    proto::FrameHead head = co_await reader_.read_header();
    idle_ = false;
    watchdog_.arm(Phase::request, seconds(server_.options.body_timeout));
    co_await serve(head);
  }
}

// Until hello is done the hello deadline bounds every wait: a connection that
// never speaks (or dribbles) gives its slot back after --hello-timeout, not
// after --idle-timeout.
void Session::arm_watchdog(SessionWatchdog::Phase phase, SessionWatchdog::Duration limit) {
  if (!hello_done_) {
    auto left = std::max<SessionWatchdog::Duration>(hello_deadline_ - std::chrono::steady_clock::now(), {});
    if (left <= limit) return watchdog_.arm(SessionWatchdog::Phase::hello, left);
  }
  watchdog_.arm(phase, limit);
}

Session::Ending Session::ending_after(std::exception_ptr error) {
  Ending ending;
  try {
    std::rethrow_exception(error);
  } catch (const ProtocolError& e) {
    ending.frame_error = e;
  } catch (const TlsRefused& e) {
    ending.end = e.what();
  } catch (const ClientCancelled& e) {
    ending.end = e.what();
  } catch (const asio::system_error& e) {
    if (auto phase = watchdog_.fired()) {
      ending.end = std::string("timed out (") + phase_name(*phase) + ")";
      // A client that still takes our bytes is told why; one that does not
      // would only stall the reply too.
      if (!watchdog_.peer_not_reading()) ending.frame_error = ProtocolError(Errc::timeout, timeout_message(*phase));
    } else if (e.code() == asio::error::eof || e.code() == asio::ssl::error::stream_truncated) {
      ending.end = "closed by client";
    } else if (e.code() == asio::error::operation_aborted || closing_) {
      ending.end = "closed at shutdown";
    } else {
      ending.end = "connection lost: " + e.code().message();
    }
  } catch (const std::exception& e) {
    spdlog::error("{} {}", peer_, e.what());
    ending.end = "closed after an internal error";
  }
  return ending;
}

asio::awaitable<void> Session::finish(Ending ending) {
  watchdog_.disarm();
  if (const auto& frame_error = ending.frame_error) {
    // An idle client timed out is routine (info); other frame errors are the client's fault (warning).
    bool idle = frame_error->code() == Errc::timeout && watchdog_.fired() == SessionWatchdog::Phase::idle;
    spdlog::log(idle ? spdlog::level::info : spdlog::level::warn, "{} {} {}", peer_, to_string(frame_error->code()),
                frame_error->what());
    if (frame_error->code() != Errc::timeout) ending.end = "closed after a framing error";
    linger_ = true;
    nlohmann::json reply = proto::error_reply(0, frame_error->code(), frame_error->what());
    try {
      co_await proto::write_frame(socket_, reply);
    } catch (const std::exception&) {
    }
  }
  if (linger_) co_await close_after_reply(socket_.tcp());
  asio::error_code ec;
  socket_.tcp().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.tcp().close(ec);
  watchdog_.stop();
  // A clean close (after bye, or a TCP or ping probe's) is routine: debug. One
  // that timed out, broke or was cut is worth an info line.
  bool clean = ending.end == "closed" || ending.end == "closed by client";
  spdlog::log(clean ? spdlog::level::debug : spdlog::level::info, "{} {}", peer_, ending.end);
}

std::string Session::timeout_message(SessionWatchdog::Phase phase) const {
  const ServerOptions& options = server_.options;
  switch (phase) {
    case SessionWatchdog::Phase::hello:
      return "no hello within " + fmt::format("{:g}", options.hello_timeout) + " s; closing";
    case SessionWatchdog::Phase::idle:
      return "no request for " + fmt::format("{:g}", options.idle_timeout) + " s; closing";
    case SessionWatchdog::Phase::header:
      return "request header not complete after " + fmt::format("{:g}", options.header_timeout) + " s; closing";
    default:
      return "transfer stalled for " + fmt::format("{:g}", options.body_timeout) + " s; closing";
  }
}

// Plain TCP waits on the socket, touching no buffer while idle. A TLS layer may
// already hold the next request's bytes (it reads ahead whole records), so a
// TLS session reads into the frame buffer instead of waiting on the socket.
asio::awaitable<void> Session::wait_for_request() {
  if (socket_.tls()) {
    co_await reader_.wait_readable();
  } else {
    co_await socket_.tcp().async_wait(asio::ip::tcp::socket::wait_read, asio::use_awaitable);
  }
}

asio::awaitable<void> Session::serve(const proto::FrameHead& head) {
  begin_request(requested_op(head.header), requested_name(head.header));
  Outcome outcome;
  try {
    outcome = co_await answer(head);
    co_await send_reply(outcome);
  } catch (const ClientCancelled&) {
    outcome.bytes = 0;
    log_outcome(outcome, "cancelled", kCancelledMessage);
    end_request();
    throw;
  } catch (const asio::system_error& e) {
    outcome.bytes = 0;  // the request's bytes: those moved before the failure
    if (cancelled_mid_body(e)) {
      log_outcome(outcome, "cancelled", kCancelledMessage);
      end_request();
      throw ClientCancelled();
    }
    if (auto phase = watchdog_.fired()) {
      log_outcome(outcome, "timeout", timeout_message(*phase));
    } else {
      log_outcome(outcome, "connection_lost", e.code().message());
    }
    end_request();
    throw;
  } catch (const std::exception& e) {
    outcome.bytes = 0;
    log_outcome(outcome, "internal", log_safe(e.what()));
    end_request();
    throw;
  }
  log_outcome(outcome, outcome.refused ? to_string(*outcome.refused) : "", outcome.log);
  end_request();
  apply(outcome);
}

// A client that cancels mid-body sends its cancel frame as the body's last bytes
// and closes its side (protocol/client_cancel.hpp): the end of the stream inside
// a body is a cancellation when the body ends with that frame.
bool Session::cancelled_mid_body(const asio::system_error& e) const {
  bool closed = e.code() == asio::error::eof || e.code() == asio::ssl::error::stream_truncated;
  return closed && reader_.in_body() && proto::ends_with_cancel(reader_.body_tail());
}

void Session::begin_request(std::string op, std::string file) {
  std::lock_guard lock(in_flight_mutex_);
  // The counter the watchdog read when it armed the request phase, just before.
  in_flight_ = {std::move(op), std::move(file), std::chrono::steady_clock::now(), watchdog_.progress_at_request(), true};
  in_flight_fd_ = socket_.tcp().native_handle();
}

void Session::end_request() {
  std::lock_guard lock(in_flight_mutex_);
  in_flight_.active = false;
}

// Routine lines (bye, health probes' pings) at debug, so a one-shot command
// costs its hello line (client software, token) and one line per request.
void Session::log_outcome(const Outcome& outcome, std::string_view code, std::string_view message) const {
  const InFlight& r = in_flight_;  // written only on this session's executor
  auto now = std::chrono::steady_clock::now();
  // Counted whether or not its line is logged.
  if (server_.metrics) server_.metrics->request_done(r.op, code, code.empty() ? outcome.bytes : 0, now - r.start);
  bool routine = code.empty() && (r.op == "ping" || r.op == "bye");
  spdlog::level::level_enum level = routine ? spdlog::level::debug : spdlog::level::info;
  if (!spdlog::should_log(level)) return;
  std::uint64_t bytes = outcome.bytes;
  if (!code.empty()) {
    std::uint64_t moved = tcp_bytes_moved(in_flight_fd_);
    bytes = moved > r.moved_at_start ? moved - r.moved_at_start : 0;
  }
  std::chrono::duration<double, std::milli> took = now - r.start;
  log_request(level, {peer_, log_safe(r.op, kLoggedOpMax), log_safe(r.file), code, message, bytes, took.count(),
               token_label_.empty() ? std::string_view(outcome.token_label) : std::string_view(token_label_)});
}

void Session::log_cut() const {
  std::lock_guard lock(in_flight_mutex_);
  if (!in_flight_.active) return;
  // The socket is open: the session closes it only after end_request().
  std::uint64_t now = tcp_bytes_moved(in_flight_fd_);
  std::uint64_t bytes = now > in_flight_.moved_at_start ? now - in_flight_.moved_at_start : 0;
  std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - in_flight_.start;
  log_request(spdlog::level::warn, {peer_, log_safe(in_flight_.op, kLoggedOpMax), log_safe(in_flight_.file), "shutdown",
                                    "cut at shutdown: the grace period is over", bytes, took.count(), token_label_});
}

// One lookup in the op table and one permission check, then the op's handler.
asio::awaitable<Outcome> Session::answer(const proto::FrameHead& head) {
  std::uint64_t id = 0;
  std::optional<ProtocolError> refusal;
  try {
    proto::Request request = proto::parse_request(head.header, id);
    const OpRow& row = find_op(request.body);
    bool token_rights = server_.gate && server_.gate->needs_token();
    refusal = request_permitted(row, SessionView{hello_done_, rights_, token_rights}, head.body_len);
    if (!refusal) {
      RequestContext ctx{socket_, reader_, server_, peer_address_, id, head.body_len, &watchdog_,
                         {token_rights, rights_}};  // the label is on every request line (token=)
      // A handler of an op without a body never touches the socket (the session sends
      // its reply): all its time is the server's own work (a hash, facts, a thumbnail on
      // the worker pool), never the client's stall. The put exchange holds it itself.
      WatchdogHold server_work(row.takes_body ? nullptr : &watchdog_);
      co_return co_await row.handler(ctx, request.body);
    }
  } catch (const ProtocolError& e) {
    refusal = e;
  }
  co_return co_await refuse(head, id, *refusal);
}

// A refusal the handler did not answer itself. A body still on its way (and
// a put body's checksum trailer) is read and dropped when small; a large one
// is not worth reading: reply and close instead.
asio::awaitable<Outcome> Session::refuse(const proto::FrameHead& head, std::uint64_t id, const ProtocolError& error) {
  bool out_of_step = error.code() == Errc::bad_frame;  // the frame reader is lost
  if (out_of_step) id = 0;
  bool close = out_of_step || !hello_done_ || closing_;
  bool trailer = put_trailer_follows(head);
  if (!close && (reader_.in_body() || trailer)) {
    close = !co_await discard_refused_body(reader_, id, trailer, server_.options.inline_put_max);
  }
  co_return refused(id, error, close);
}

asio::awaitable<void> Session::send_reply(Outcome& outcome) {
  if (outcome.file) {
    std::string head = outcome.head.empty()
                           ? proto::encode_frame_head(outcome.reply, outcome.file->info().size - outcome.file_offset)
                           : std::move(outcome.head);
    co_await send_unless_cancelled(socket_, outcome.file->info().size - outcome.file_offset,
                                   outcome.file->send(socket_, head, reader_.next_header_buffered(), outcome.file_offset));
  } else if (outcome.listing) {
    std::string head = proto::encode_frame_head(outcome.reply, outcome.listing->size());
    co_await send_unless_cancelled(socket_, outcome.listing->size(),
                                   outcome.listing->send(socket_, head, reader_.next_header_buffered()));
  } else {
    co_await proto::write_frame(socket_, outcome.reply, as_bytes(outcome.body));
  }
}

void Session::apply(const Outcome& outcome) {
  if (outcome.opened) {
    hello_done_ = true;
    rights_ = *outcome.opened;
    token_label_ = outcome.token_label;
  }
  if (outcome.refused && !hello_done_) closing_ = true;  // nothing but hello opens a session
  if (outcome.close) closing_ = true;
  if (outcome.refused && closing_) linger_ = true;
}

}  // namespace imgsh::server
