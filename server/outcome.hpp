#pragma once
// What a handler returns: the reply to send, what the summary log line says,
// and what the session must change. Handlers never send replies or touch the
// session's state themselves (as the request_handler of asio's HTTP server
// example fills a reply and leaves the connection to its owner); the session
// applies the outcome.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "protocol/error_code.hpp"
#include "server/listing_body.hpp"
#include "server/storage.hpp"
#include "server/token_store.hpp"

namespace imgsh::server {

struct Outcome {
  nlohmann::json reply;              // the reply header: ok or error
  std::string body;                  // the reply body, when it is in memory (list)
  std::unique_ptr<StoredFile> file;  // or a stored file sent as the body (get)
  std::uint64_t file_offset = 0;     // of which only the bytes from here on (a get with an offset)
  std::uint64_t bytes = 0;           // body bytes moved (put: stored, get: sent, list: the listing)
  std::unique_ptr<ListingBody> listing;  // or a listing too large to hold, spilled to a file (list)
  std::string log;                   // the summary line: "ok <log>" or "fail <code>: <log>"
  std::optional<proto::Errc> refused;  // set when the reply is an error
  bool close = false;                // the session ends after this reply (bye, or the stream is out of step)
  std::optional<Rights> opened;      // hello accepted: the session is open, with these rights
  std::string token_label;           // and the label of its token (empty: no token file)
  std::string head;                  // get: the reply's frame head, already encoded (no JSON document; then `reply` is unused)
};

// A success: `reply` (an ok header) and the summary line's text.
inline Outcome succeeded(nlohmann::json reply, std::string log) {
  Outcome outcome;
  outcome.reply = std::move(reply);
  outcome.log = std::move(log);
  return outcome;
}

// A refusal of request `id`; `close`: the connection cannot go on after it.
Outcome refused(std::uint64_t id, const proto::ProtocolError& error, bool close);

}  // namespace imgsh::server
