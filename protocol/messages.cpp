#include "protocol/messages.hpp"

#include "protocol/checksum.hpp"
#include "protocol/file_info_json.hpp"
#include "protocol/frame_codec.hpp"
#include "protocol/list_body_decoder.hpp"

namespace imgsh::proto {
namespace {

using nlohmann::json;

const json* field(const json& header, const char* key) {
  auto it = header.find(key);
  return it == header.end() ? nullptr : &*it;
}

std::string need_string(const json& header, const char* key) {
  const json* v = field(header, key);
  if (!v || !v->is_string()) throw ProtocolError(Errc::bad_request, std::string("field '") + key + "' must be a string");
  return v->get<std::string>();
}

std::uint64_t need_uint(const json& header, const char* key) {
  const json* v = field(header, key);
  if (!v || !v->is_number_unsigned()) {
    throw ProtocolError(Errc::bad_request, std::string("field '") + key + "' must be an unsigned integer");
  }
  return v->get<std::uint64_t>();
}

std::string opt_string(const json& header, const char* key) { return field(header, key) ? need_string(header, key) : ""; }
std::uint64_t opt_uint(const json& header, const char* key) { return field(header, key) ? need_uint(header, key) : 0; }

std::int64_t opt_int(const json& header, const char* key) {
  const json* v = field(header, key);
  if (!v) return 0;
  if (!v->is_number_integer()) throw ProtocolError(Errc::bad_request, std::string("field '") + key + "' must be an integer");
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    throw ProtocolError(Errc::bad_request, std::string("field '") + key + "' is out of range");
  }
  return v->get<std::int64_t>();
}

std::string need_xxh3(const json& header) {
  std::string text = need_string(header, "xxh3");
  if (!is_xxh3_hex(text)) throw ProtocolError(Errc::bad_request, "field 'xxh3' must be 32 lowercase hex digits");
  return text;
}

struct OpName {
  std::string_view operator()(const Hello&) const { return "hello"; }
  std::string_view operator()(const List&) const { return "list"; }
  std::string_view operator()(const Stat&) const { return "stat"; }
  std::string_view operator()(const Get&) const { return "get"; }
  std::string_view operator()(const Put&) const { return "put"; }
  std::string_view operator()(const Data&) const { return "data"; }
  std::string_view operator()(const Bye&) const { return "bye"; }
  std::string_view operator()(const Checksum&) const { return "checksum"; }
  std::string_view operator()(const Ping&) const { return "ping"; }
  std::string_view operator()(const Thumb&) const { return "thumb"; }
  std::string_view operator()(const Delete&) const { return "delete"; }
  std::string_view operator()(const Rename&) const { return "rename"; }
  std::string_view operator()(const Stats&) const { return "stats"; }
  std::string_view operator()(const Cancel&) const { return "cancel"; }
};

struct HeaderFields {
  json& h;
  void operator()(const Hello& r) const {
    h["version"] = r.version;
    h["client"] = r.client;
    if (!r.token.empty()) h["token"] = r.token;
  }
  void operator()(const List& r) const {
    if (!r.prefix.empty()) h["prefix"] = r.prefix;
    if (r.limit) h["limit"] = r.limit;
  }
  void operator()(const Stat& r) const { h["name"] = r.name; }
  void operator()(const Get& r) const {
    h["name"] = r.name;
    if (r.offset) h["offset"] = r.offset;
  }
  void operator()(const Put& r) const {
    h["name"] = r.name;
    h["size"] = r.size;
    if (r.mtime) h["mtime"] = r.mtime;
    if (r.resume) h["resume"] = true;
    if (!r.xxh3.empty()) h["xxh3"] = r.xxh3;
  }
  void operator()(const Data&) const {}
  void operator()(const Bye&) const {}
  void operator()(const Checksum& r) const { h["xxh3"] = r.xxh3; }
  void operator()(const Ping&) const {}
  void operator()(const Thumb& r) const {
    h["name"] = r.name;
    h["edge"] = r.edge;
  }
  void operator()(const Delete& r) const { h["name"] = r.name; }
  void operator()(const Rename& r) const {
    h["name"] = r.name;
    h["new_name"] = r.new_name;
  }
  void operator()(const Stats&) const {}
  void operator()(const Cancel&) const {}
};

}  // namespace

std::string_view op_name(const RequestBody& body) { return std::visit(OpName{}, body); }

nlohmann::json to_header(const Request& request) {
  json h = {{"op", op_name(request.body)}, {"id", request.id}};
  std::visit(HeaderFields{h}, request.body);
  return h;
}

Request parse_request(const nlohmann::json& header, std::uint64_t& id_out) {
  id_out = 0;
  Request r;
  r.id = need_uint(header, "id");
  id_out = r.id;
  std::string op = need_string(header, "op");
  if (op == "hello") {
    std::uint64_t version = need_uint(header, "version");
    r.body = Hello{static_cast<std::uint32_t>(std::min<std::uint64_t>(version, UINT32_MAX)), opt_string(header, "client"),
                   opt_string(header, "token")};
  } else if (op == "list") {
    r.body = List{opt_string(header, "prefix"), opt_uint(header, "limit")};
  } else if (op == "stat") {
    r.body = Stat{need_string(header, "name")};
  } else if (op == "get") {
    r.body = Get{need_string(header, "name"), opt_uint(header, "offset")};
  } else if (op == "put") {
    Put put{need_string(header, "name"), need_uint(header, "size"), opt_int(header, "mtime")};
    if (const json* resume = field(header, "resume")) {
      if (!resume->is_boolean()) throw ProtocolError(Errc::bad_request, "field 'resume' must be true or false");
      put.resume = resume->get<bool>();
    }
    if (field(header, "xxh3")) put.xxh3 = need_xxh3(header);
    if (put.resume && put.xxh3.empty()) throw ProtocolError(Errc::bad_request, "a put with resume needs the file's xxh3");
    r.body = std::move(put);
  } else if (op == "data") {
    r.body = Data{};
  } else if (op == "bye") {
    r.body = Bye{};
  } else if (op == "checksum") {
    r.body = Checksum{need_xxh3(header)};
  } else if (op == "ping") {
    r.body = Ping{};
  } else if (op == "thumb") {
    std::string name = need_string(header, "name");
    std::uint64_t edge = need_uint(header, "edge");
    if (auto problem = thumb_edge_problem(edge); !problem.empty()) throw ProtocolError(Errc::bad_request, problem);
    r.body = Thumb{std::move(name), static_cast<std::uint32_t>(edge)};
  } else if (op == "delete") {
    r.body = Delete{need_string(header, "name")};
  } else if (op == "rename") {
    r.body = Rename{need_string(header, "name"), need_string(header, "new_name")};
  } else if (op == "stats") {
    r.body = Stats{};
  } else if (op == "cancel") {
    r.body = Cancel{};
  } else {
    if (op.size() > 64) op = op.substr(0, 64) + "...";
    throw ProtocolError(Errc::unknown_op, "unknown op '" + op + "'");
  }
  return r;
}

nlohmann::json to_json(const FileInfo& info) {
  json j = {{"name", info.name}, {"size", info.size}, {"mtime", info.mtime}};
  if (!info.xxh3.empty()) j["xxh3"] = info.xxh3;
  if (info.image) j["image"] = to_json(*info.image);
  return j;
}

FileInfo file_info_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw ProtocolError(Errc::bad_request, "file entry is not an object");
  FileInfo info{need_string(j, "name"), need_uint(j, "size"), 0};
  const json* m = field(j, "mtime");
  if (!m || !m->is_number_integer()) throw ProtocolError(Errc::bad_request, "field 'mtime' must be an integer");
  info.mtime = m->get<std::int64_t>();
  if (field(j, "xxh3")) info.xxh3 = need_xxh3(j);
  // An optional extra: an object this reader does not understand (a format or colour
  // model added later) is dropped, never a reason to refuse the whole entry.
  if (const json* image = field(j, "image")) {
    try {
      info.image = image_facts_from_json(*image);
    } catch (const ProtocolError&) {
      info.image.reset();
    }
  }
  return info;
}

nlohmann::json ok_reply(std::uint64_t id) { return {{"id", id}, {"status", "ok"}}; }
nlohmann::json continue_reply(std::uint64_t id) { return {{"id", id}, {"status", "continue"}}; }
nlohmann::json continue_reply(std::uint64_t id, std::uint64_t offset) {
  return {{"id", id}, {"status", "continue"}, {"offset", offset}};
}

std::uint64_t continue_offset(const Reply& reply, std::uint64_t size) {
  const json* offset = field(reply.fields, "offset");
  if (!offset) return 0;
  if (!offset->is_number_unsigned() || offset->get<std::uint64_t>() > size) {
    throw ProtocolError(Errc::bad_frame, "the continue's offset is not a byte count within the file");
  }
  return offset->get<std::uint64_t>();
}

nlohmann::json error_reply(std::uint64_t id, Errc code, std::string_view message) {
  return {{"id", id}, {"status", "error"}, {"code", to_string(code)}, {"message", message}};
}

Reply parse_reply(const nlohmann::json& header) {
  Reply r;
  try {
    r.id = need_uint(header, "id");
    std::string status = need_string(header, "status");
    if (status == "ok") {
      r.status = ReplyStatus::ok;
    } else if (status == "continue") {
      r.status = ReplyStatus::continue_;
    } else if (status == "error") {
      r.status = ReplyStatus::error;
      r.code = errc_from_string(opt_string(header, "code")).value_or(Errc::internal);
      r.message = opt_string(header, "message");
    } else {
      throw ProtocolError(Errc::bad_frame, "unknown reply status '" + status + "'");
    }
  } catch (const ProtocolError& e) {
    throw ProtocolError(Errc::bad_frame, std::string("malformed reply: ") + e.what());
  }
  r.fields = header;
  return r;
}

nlohmann::json hello_reply(std::uint64_t id, std::string_view server, const Limits& limits) {
  json h = ok_reply(id);
  h["server"] = server;
  h["version"] = kProtocolVersion;
  h["limits"] = {{"max_file_size", limits.max_file_size},
                 {"inline_put_max", limits.inline_put_max},
                 {"max_header", limits.max_header}};
  return h;
}

Limits limits_from_reply(const Reply& reply) {
  Limits limits;
  const json* l = field(reply.fields, "limits");
  if (!l || !l->is_object()) return limits;
  limits.max_file_size = opt_uint(*l, "max_file_size");
  limits.inline_put_max = opt_uint(*l, "inline_put_max");
  if (field(*l, "max_header")) {
    limits.max_header = static_cast<std::uint32_t>(std::min<std::uint64_t>(need_uint(*l, "max_header"), UINT32_MAX));
  }
  return limits;
}

namespace {

// A reply field the client cannot use: the server is broken, not the request.
ProtocolError malformed(const ProtocolError& e) {
  return ProtocolError(Errc::bad_frame, std::string("malformed reply from the server: ") + e.what());
}

}  // namespace

HelloReply parse_hello_reply(const Reply& reply) {
  try {
    HelloReply hello;
    hello.server = field(reply.fields, "server") ? need_string(reply.fields, "server") : "imgsrv";
    hello.limits = limits_from_reply(reply);
    return hello;
  } catch (const ProtocolError& e) {
    throw malformed(e);
  }
}

nlohmann::json file_info_reply(std::uint64_t id, const FileInfo& info) {
  json h = ok_reply(id);
  h.update(to_json(info));
  return h;
}

FileInfo parse_file_info_reply(const Reply& reply) {
  try {
    return file_info_from_json(reply.fields);
  } catch (const ProtocolError& e) {
    throw malformed(e);
  }
}

nlohmann::json list_reply(std::uint64_t id, std::uint64_t count, bool truncated) {
  json h = ok_reply(id);
  h["count"] = count;
  h["truncated"] = truncated;
  return h;
}

ListReply parse_list_reply(const Reply& reply) {
  ListReply list;
  try {
    list.count = opt_uint(reply.fields, "count");
  } catch (const ProtocolError& e) {
    throw malformed(e);
  }
  // Only a real `true` means more names matched: anything else is read as
  // false, so a listing from a sloppy server is still shown (the shell's
  // hardening tests pin this).
  const json* more = field(reply.fields, "truncated");
  list.truncated = more && more->is_boolean() && more->get<bool>();
  return list;
}

void append_list_body_entry(std::string& out, const FileInfo& entry, bool first) {
  if (!first) out += ',';
  append_file_info_json(out, entry);  // the bytes of to_json(entry).dump(), without the document
}

std::string list_body(const std::vector<FileInfo>& files) {
  std::string body(kListBodyOpen);
  for (std::size_t i = 0; i < files.size(); ++i) append_list_body_entry(body, files[i], i == 0);
  body += kListBodyClose;
  return body;
}

std::vector<FileInfo> parse_list_body(std::string_view body) {
  // One reader of list bodies: the streaming one (list_body_decoder.hpp), fed the whole.
  std::vector<FileInfo> files;
  ListBodyDecoder decoder;
  decoder.feed(body, [&files](FileInfo&& entry) { files.push_back(std::move(entry)); });
  decoder.finish();
  return files;
}

nlohmann::json ping_reply(std::uint64_t id, std::string_view server, std::uint64_t sessions) {
  json h = ok_reply(id);
  h["server"] = server;
  h["sessions"] = sessions;
  return h;
}

PingReply parse_ping_reply(const Reply& reply) {
  try {
    PingReply ping;
    ping.server = need_string(reply.fields, "server");
    ping.sessions = opt_uint(reply.fields, "sessions");
    return ping;
  } catch (const ProtocolError& e) {
    throw malformed(e);
  }
}

std::string thumb_edge_problem(std::uint64_t edge) {
  if (edge >= kThumbEdgeMin && edge <= kThumbEdgeMax) return {};
  return "edge must be " + std::to_string(kThumbEdgeMin) + ".." + std::to_string(kThumbEdgeMax) + " pixels, not " +
         std::to_string(edge);
}

nlohmann::json thumb_reply(std::uint64_t id, const ThumbReply& thumb) {
  json h = ok_reply(id);
  h["format"] = thumb.format;
  h["width"] = thumb.width;
  h["height"] = thumb.height;
  return h;
}

ThumbReply parse_thumb_reply(const Reply& reply) {
  try {
    ThumbReply thumb;
    thumb.format = need_string(reply.fields, "format");
    if (thumb.format != "jpeg" && thumb.format != "png") throw ProtocolError(Errc::bad_request, "field 'format' must be jpeg or png");
    std::uint64_t w = need_uint(reply.fields, "width"), h = need_uint(reply.fields, "height");
    if (w == 0 || h == 0 || w > kThumbEdgeMax || h > kThumbEdgeMax) {
      throw ProtocolError(Errc::bad_request, "thumbnail width and height must be 1.." + std::to_string(kThumbEdgeMax));
    }
    thumb.width = static_cast<std::uint32_t>(w);
    thumb.height = static_cast<std::uint32_t>(h);
    return thumb;
  } catch (const ProtocolError& e) {
    throw malformed(e);
  }
}

}  // namespace imgsh::proto
