#pragma once
// The one line imgsh prints after each command, on stderr (data goes to stdout):
//   <server_ip:port> <op> [<file>] ok <message>
//   <server_ip:port> <op> [<file>] fail <code>: <message>
// <file> is shell-quoted when it holds spaces or other special characters.
// With --json, each of those becomes one JSON object on stdout instead, one line
// each, carrying the command's data too (attach): ls entries, stat fields, bytes
// and seconds of transfers.
#include <cstdio>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace imgsh::shell {

class Reporter {
 public:
  explicit Reporter(bool quiet, bool json = false) : quiet_(quiet), json_(json) {}
  void ok(std::string_view server, std::string_view op, std::string_view file, std::string_view message);
  void fail(std::string_view server, std::string_view op, std::string_view file, std::string_view code,
            std::string_view message);

  // --json: commands print their data only through attach(), never as text.
  bool json() const { return json_; }
  // A field of the next ok/fail object (ignored without --json).
  void attach(const std::string& key, nlohmann::json value);
  // One item of the next object's array field `key`, printed now (a listing of any
  // size streams out): the object starts with that array, and its other fields follow
  // the array when ok/fail closes it. One streamed field per object.
  void stream_item(const std::string& key, const nlohmann::json& item);
  // Report lines in colour (colour.hpp): fail red, ok muted; for a terminal only.
  void use_colour(bool on) { colour_ = on; }

 private:
  void line(std::string_view server, std::string_view op, std::string_view file, std::string_view rest,
            bool failed);
  void object(std::string_view server, std::string_view op, std::string_view file, std::string_view status,
              std::string_view code, std::string_view message);
  bool quiet_;
  bool json_;
  bool colour_ = false;
  nlohmann::json pending_ = nlohmann::json::object();
  bool streaming_ = false;  // an object's array is open on stdout
};

}  // namespace imgsh::shell
