#include "server/put_exchange.hpp"

#include <chrono>
#include <optional>
#include <string>

#include "protocol/checksum.hpp"
#include "protocol/image_sniff.hpp"
#include "protocol/names.hpp"
#include "server/client_cancel.hpp"

namespace imgsh::server {
namespace {

using proto::Errc;
using proto::ProtocolError;

// Bodies from this size on are decoded while they stream (storage.hpp
// validate_while_writing); smaller ones after their last byte, where a decode is short.
constexpr std::uint64_t kValidateWhileStreamingFrom = 4ull << 20;

// A refusal after which the stream is out of step: the connection must close.
class OutOfStep : public ProtocolError {
 public:
  using ProtocolError::ProtocolError;
};

// The frame a put exchange waits for next: a `Message` of put `id` with
// exactly `body_len` bytes of body; nothing when the frame is anything else.
template <class Message>
std::optional<Message> expected_frame(const proto::FrameHead& head, std::uint64_t id, std::uint64_t body_len) {
  std::uint64_t frame_id = 0;
  try {
    proto::Request request = proto::parse_request(head.header, frame_id);
    const Message* message = std::get_if<Message>(&request.body);
    if (message && frame_id == id && head.body_len == body_len) return *message;
  } catch (const ProtocolError&) {
  }
  return std::nullopt;
}

// Reads the checksum trailer of put `id` and returns its xxh3; anything else
// is OutOfStep. A framing error (bad_frame) is thrown as it is.
asio::awaitable<std::string> read_trailer(proto::FrameReader<proto::NetStream>& reader, std::uint64_t id) {
  proto::FrameHead head = co_await reader.read_header();
  throw_if_cancel(head);
  auto trailer = expected_frame<proto::Checksum>(head, id, 0);
  if (!trailer) throw OutOfStep(Errc::bad_request, "expected the checksum trailer of put " + std::to_string(id));
  co_return trailer->xxh3;
}

// The server's own rules, before the store is asked: the name (so a bad name
// is reported as such whatever the size), no empty files, the size limit.
void check_put_policy(const proto::Put& req, const ServerOptions& options) {
  if (auto problem = proto::check_name(req.name)) throw ProtocolError(problem->code, problem->message);
  if (req.size == 0) throw ProtocolError(Errc::empty_file, req.name + ": empty files are not stored");
  if (options.max_file_size > 0 && req.size > options.max_file_size) {
    throw ProtocolError(Errc::too_large, req.name + ": " + std::to_string(req.size) +
                                             " bytes exceeds the server's limit of " +
                                             std::to_string(options.max_file_size) + " bytes");
  }
}

class PutExchange {
 public:
  PutExchange(RequestContext& ctx, const proto::Put& req) : ctx_(ctx), req_(req), trailer_due_(ctx.body_len > 0) {}

  asio::awaitable<Outcome> run() {
    std::optional<ProtocolError> refusal;
    bool in_step = true;
    try {
      co_return co_await receive();
    } catch (const OutOfStep& e) {
      refusal = e;
      in_step = false;
    } catch (const ProtocolError& e) {
      if (e.code() == Errc::bad_frame) throw;  // the session answers that one and closes
      refusal = e;
    }
    if (in_step && (ctx_.reader.in_body() || trailer_due_)) {
      in_step = co_await discard_refused_body(ctx_.reader, ctx_.id, trailer_due_, ctx_.server.options.inline_put_max);
    }
    co_return refused(ctx_.id, *refusal, !in_step);
  }

 private:
  asio::awaitable<Outcome> receive() {
    if (ctx_.body_len != 0 && ctx_.body_len != req_.size) {
      throw ProtocolError(Errc::bad_request, "put body_len must be 0 (announced) or equal to size");
    }
    check_put_policy(req_, ctx_.server.options);
    if (req_.resume && ctx_.body_len != 0) {
      throw ProtocolError(Errc::bad_request, "a put with resume is announced: its body_len must be 0");
    }
    const Storage& store = ctx_.server.store;
    // The store's own work (statvfs, the temporary, re-hashing what a cut upload left,
    // publish's fsync and rename) is the server's time, not the client's stall: the
    // request deadline is held over it.
    std::unique_ptr<UploadSink> upload;
    std::uint64_t held = 0;
    if (req_.resume) {
      // put -c: what a cut upload of this name, size and content left goes on from its
      // end; its bytes are hashed first, so the whole file's checksum can be verified.
      WatchdogHold hold(ctx_.watchdog);
      upload = co_await store.begin_resumable_upload(req_.name, req_.size, req_.xxh3);
      held = upload->held();
      whole_ = co_await upload->hash_held();
      content_checked_ = held > 0;  // its first bytes passed when they came; validate() decodes them all
    } else if (ctx_.body_len == 0) {
      WatchdogHold hold(ctx_.watchdog);
      co_await store.check_upload(req_.name, req_.size);
    }
    if (ctx_.body_len == 0) co_await accept_announcement(held);
    if (!upload) {
      WatchdogHold hold(ctx_.watchdog);
      upload = co_await store.begin_upload(req_.name, req_.size);
    }
    if (held == 0 && req_.size >= kValidateWhileStreamingFrom) upload->validate_while_writing(limits(), stall_limit());
    std::string received = co_await receive_body(*upload);
    std::string sent = co_await read_trailer(ctx_.reader, ctx_.id);
    trailer_due_ = false;
    upload->keep_if_cut(false);  // all arrived: whatever fails now is no cut
    if (sent != received) {
      throw ProtocolError(Errc::checksum_mismatch, req_.name + ": the bytes received (xxh3 " + received +
                                                       ") differ from the bytes sent (xxh3 " + sent +
                                                       "); nothing stored");
    }
    if (req_.resume) check_whole_file();
    if (!content_checked_) check_content();
    proto::ImageFacts facts = co_await validate(*upload);
    // facts: what a facts cache keeps at publish (issue 13, item 2), keyed like the checksum.
    (void)facts;
    proto::FileInfo info;
    {
      WatchdogHold hold(ctx_.watchdog);
      info = co_await upload->publish(req_.resume ? req_.xxh3 : received, req_.mtime);
    }
    std::string message = "stored " + std::to_string(info.size) + " bytes";
    if (req_.resume) message += ", " + std::to_string(info.size - held) + " received, resumed at offset " + std::to_string(held);
    Outcome outcome = succeeded(proto::file_info_reply(ctx_.id, info), message);
    outcome.bytes = info.size - held;
    co_return outcome;
  }

  // A resumed put: the held bytes and the rest together must be the file announced.
  void check_whole_file() {
    std::string whole = whole_.hex();
    if (whole == req_.xxh3) return;
    throw ProtocolError(Errc::checksum_mismatch, req_.name + ": the whole file (xxh3 " + whole +
                                                     ") differs from the file announced (xxh3 " + req_.xxh3 +
                                                     "); nothing stored, and nothing kept");
  }

  // "continue" (from `held` bytes on, for a put that asked to resume), then the next
  // frame must be the announced body: the rest of the file.
  asio::awaitable<void> accept_announcement(std::uint64_t held) {
    // An lvalue: g++ 12 can destroy a temporary in a co_await expression twice.
    nlohmann::json reply = req_.resume ? proto::continue_reply(ctx_.id, held) : proto::continue_reply(ctx_.id);
    co_await proto::write_frame(ctx_.stream, reply);
    proto::FrameHead data = co_await ctx_.reader.read_header();
    throw_if_cancel(data);
    if (!expected_frame<proto::Data>(data, ctx_.id, req_.size - held)) {
      throw OutOfStep(Errc::bad_request, "expected the data frame of put " + std::to_string(ctx_.id) + " with " +
                                             std::to_string(req_.size - held) + " bytes");
    }
    trailer_due_ = true;
  }

  // Streams the body into `upload`, checking the first bytes against the
  // name's kind as soon as they are in; returns the body's xxh3.
  // A refusal on the way (not an image, no space) keeps nothing for a resume; a cut does.
  asio::awaitable<std::string> receive_body(UploadSink& upload) {
    proto::Xxh3Hasher hasher;
    try {
      while (true) {
        auto piece = co_await ctx_.reader.read_body_some();
        if (piece.empty()) break;
        if (!content_checked_) {
          sniff_.add(piece);
          if (sniff_.full()) check_content();
        }
        co_await upload.write(piece);
        hasher.update(piece);
        if (req_.resume) whole_.update(piece);
      }
    } catch (const ProtocolError&) {
      upload.keep_if_cut(false);
      throw;
    }
    co_return hasher.hex();
  }

  // The whole body decoded on the worker pool (PROTOCOL.md section 4): the client waits
  // for the server, so the request deadline is held meanwhile.
  asio::awaitable<proto::ImageFacts> validate(UploadSink& upload) {
    WatchdogHold hold(ctx_.watchdog);
    co_return co_await upload.validate(limits());
  }

  proto::ImageLimits limits() const {
    proto::ImageLimits limits;
    limits.max_pixels = ctx_.server.options.max_pixels;
    return limits;
  }

  // A decoder reading behind the body waits for bytes at most this long: the session's
  // body timeout ends a stalled put first (and the upload abandons its decoder).
  std::chrono::steady_clock::duration stall_limit() const {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(ctx_.server.options.body_timeout) + std::chrono::seconds(10));
  }

  void check_content() {
    if (auto problem = proto::check_content(req_.name, sniff_.bytes())) {
      throw ProtocolError(Errc::not_an_image, *problem);
    }
    content_checked_ = true;
  }

  RequestContext& ctx_;
  const proto::Put& req_;
  bool trailer_due_;  // a body has started whose checksum trailer is not read yet
  proto::SniffBuffer sniff_;
  bool content_checked_ = false;
  proto::Xxh3Hasher whole_;  // a put with resume: the held bytes and the rest, for the whole file's checksum
};

}  // namespace

asio::awaitable<Outcome> handle_put(RequestContext& ctx, const proto::Put& req) {
  PutExchange exchange(ctx, req);
  co_return co_await exchange.run();
}

bool put_trailer_follows(const proto::FrameHead& head) {
  auto op = head.header.find("op");
  return head.body_len > 0 && op != head.header.end() && op->is_string() && op->get<std::string>() == "put";
}

asio::awaitable<bool> discard_refused_body(proto::FrameReader<proto::NetStream>& reader, std::uint64_t id,
                                           bool trailer_follows, std::uint64_t drain_limit) {
  if (reader.body_remaining() > drain_limit) co_return false;
  co_await reader.skip_body();
  if (!trailer_follows) co_return true;
  try {
    co_await read_trailer(reader, id);
  } catch (const ProtocolError&) {
    co_return false;  // not the trailer (or not even a frame): out of step
  }
  co_return true;
}

}  // namespace imgsh::server
