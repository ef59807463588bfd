#pragma once
// Typed requests and replies of wire contract v1, and their JSON headers.
// PROTOCOL.md describes the exchange; this file is its schema.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/error_code.hpp"
#include "protocol/image_facts.hpp"

namespace imgsh::proto {

inline constexpr std::uint32_t kProtocolVersion = 1;

struct Hello {
  std::uint32_t version = kProtocolVersion;
  std::string client;
  std::string token = {};  // empty: none sent (a server started with --tokens then refuses)
};
struct List {
  std::string prefix;       // only names starting with this
  std::uint64_t limit = 0;  // at most this many entries; 0: no limit
};
struct Stat {
  std::string name;
};
struct Get {
  std::string name;
  std::uint64_t offset = 0;  // send the bytes from here on (resuming a download); past the end: bad_request
};
// A put whose body_len equals size carries its bytes inline. A put with
// body_len 0 announces them: the server answers "continue" (or refuses), and
// the bytes follow in a Data frame with the same id.
struct Put {
  std::string name;
  std::uint64_t size = 0;
  std::int64_t mtime = 0;  // put -p: the stored file's modification time (Unix seconds); 0: the time of the upload
  // put -c / reput (announced puts only): `xxh3` is the whole file's checksum; the server
  // continues a kept upload of the same name, size and xxh3 and says from where (continue_offset).
  bool resume = false;
  std::string xxh3 = {};
};
struct Data {};
struct Bye {};
// The trailer that follows every put body (inline put or data frame), with
// the same id and body_len 0: the XXH3-128 of the bytes sent (checksum.hpp).
struct Checksum {
  std::string xxh3;
};

// A health check, allowed before hello: the reply names the server and its
// number of open sessions, so a load balancer's probe is one frame each way.
struct Ping {};

// A thumbnail of a stored image: its longer side at most `edge` pixels, upright.
inline constexpr std::uint32_t kThumbEdgeMin = 16;
inline constexpr std::uint32_t kThumbEdgeMax = 1024;
struct Thumb {
  std::string name;
  std::uint32_t edge = 256;
};
// Empty when `edge` is in kThumbEdgeMin..kThumbEdgeMax, else the bad_request message.
std::string thumb_edge_problem(std::uint64_t edge);


// Removes a stored file; renames one to a name not stored yet (never
// replaces). Both need rwd rights (PROTOCOL.md, section 3).
struct Delete {
  std::string name;
};
struct Rename {
  std::string name;
  std::string new_name;
};
// The server's counters (stats_reply.hpp has the reply); any session after hello.
struct Stats {};
// The client gives up: the request in progress and any after it, up to `id`
// (client_cancel.hpp says where the server finds it); the connection then closes.
struct Cancel {};

using RequestBody = std::variant<Hello, List, Stat, Get, Put, Data, Bye, Checksum, Ping, Thumb, Delete, Rename, Stats, Cancel>;

struct Request {
  std::uint64_t id = 0;
  RequestBody body;
};

// The op name of a request ("hello", "list", ...).
std::string_view op_name(const RequestBody& body);

nlohmann::json to_header(const Request& request);

// Parses a request header. Throws ProtocolError (bad_request, unknown_op);
// `id_out` receives the id whenever one could be read, so the error reply can echo it.
Request parse_request(const nlohmann::json& header, std::uint64_t& id_out);

struct Limits {
  std::uint64_t max_file_size = 0;    // 0: no limit beyond free space
  std::uint64_t inline_put_max = 0;   // largest put body that may travel inline
  std::uint32_t max_header = 65536;
};

struct FileInfo {
  std::string name;
  std::uint64_t size = 0;
  std::int64_t mtime = 0;  // seconds since the epoch
  std::string xxh3{};      // stat and get replies: the content's checksum; empty in lists
  // stat replies and list entries: the image's facts from its header; absent when the
  // header cannot be read (or the reader does not understand the server's object).
  std::optional<ImageFacts> image{};
};

nlohmann::json to_json(const FileInfo& info);
FileInfo file_info_from_json(const nlohmann::json& j);  // throws ProtocolError(bad_request)

// Reply headers.
enum class ReplyStatus { ok, error, continue_ };

struct Reply {
  std::uint64_t id = 0;
  ReplyStatus status = ReplyStatus::ok;
  Errc code = Errc::internal;  // when status == error
  std::string message;         // when status == error
  nlohmann::json fields;       // the whole header, for op-specific fields
};

nlohmann::json ok_reply(std::uint64_t id);
nlohmann::json continue_reply(std::uint64_t id);
// The continue of a put that asked to resume: `offset` bytes are already held.
nlohmann::json continue_reply(std::uint64_t id, std::uint64_t offset);
// Those bytes, as the client reads them: 0 when the reply has no offset (an older
// server, which ignores resume); bad_frame when it is malformed or past `size`.
std::uint64_t continue_offset(const Reply& reply, std::uint64_t size);
nlohmann::json error_reply(std::uint64_t id, Errc code, std::string_view message);
Reply parse_reply(const nlohmann::json& header);  // throws ProtocolError(bad_frame)

nlohmann::json hello_reply(std::uint64_t id, std::string_view server, const Limits& limits);
Limits limits_from_reply(const Reply& reply);  // throws ProtocolError(bad_request) on a malformed limit

// Typed ok replies, as the client reads them: every parse_*_reply throws
// ProtocolError(bad_frame) when a field is malformed (the server, not the
// request, is broken), so no code outside protocol/ reads a raw JSON field.

struct HelloReply {
  std::string server;  // "imgsrv" when the server does not say
  Limits limits;
};
HelloReply parse_hello_reply(const Reply& reply);

// stat, get and put answer with the file's entry, checksum included.
nlohmann::json file_info_reply(std::uint64_t id, const FileInfo& info);
FileInfo parse_file_info_reply(const Reply& reply);

// list: the header counts the entries and says whether more names matched;
// the body is the JSON array of entries.
struct ListReply {
  std::uint64_t count = 0;
  bool truncated = false;
};
nlohmann::json list_reply(std::uint64_t id, std::uint64_t count, bool truncated);
ListReply parse_list_reply(const Reply& reply);
std::string list_body(const std::vector<FileInfo>& files);
// The same body piece by piece, for a listing too large to build whole: "[",
// then each entry appended in order (`first` for the first one), then "]".
inline constexpr std::string_view kListBodyOpen = "[";
inline constexpr std::string_view kListBodyClose = "]";
void append_list_body_entry(std::string& out, const FileInfo& entry, bool first);
std::vector<FileInfo> parse_list_body(std::string_view body);

// ping: the server's name and how many sessions it has open.
struct PingReply {
  std::string server;
  std::uint64_t sessions = 0;
};
nlohmann::json ping_reply(std::uint64_t id, std::string_view server, std::uint64_t sessions);
PingReply parse_ping_reply(const Reply& reply);

// thumb: the image's format ("jpeg" or "png") and size in the header, its bytes in the body.
struct ThumbReply {
  std::string format;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};
nlohmann::json thumb_reply(std::uint64_t id, const ThumbReply& thumb);
ThumbReply parse_thumb_reply(const Reply& reply);

}  // namespace imgsh::proto
