#include "shell/report.hpp"

#include <iostream>

#include "protocol/display_text.hpp"
#include "shell/colour.hpp"
#include "shell/shell_quote.hpp"

namespace imgsh::shell {

void Reporter::line(std::string_view server, std::string_view op, std::string_view file, std::string_view rest,
                    bool failed) {
  // Names, codes and messages may come from the server: escaped, so one report is one line.
  // The name is escaped first and then quoted, so the quoting's own backslashes stay as typed.
  std::string text = proto::escape_for_display(server) + " " + proto::escape_for_display(op);
  if (!file.empty()) text.append(" ").append(shell_quote(proto::escape_for_display(file)));
  text.append(" ").append(proto::escape_for_display(rest));
  // Reports go to stderr, as curl's and sftp's do: stdout carries only data (names, fields).
  if (colour_) text = coloured(text, failed ? ReportTone::fail : ReportTone::ok);
  std::cerr << text + "\n" << std::flush;
}

void Reporter::attach(const std::string& key, nlohmann::json value) {
  if (json_) pending_[key] = std::move(value);
}

void Reporter::stream_item(const std::string& key, const nlohmann::json& item) {
  if (!json_) return;
  if (streaming_) {
    std::cout << ',';
  } else {
    std::cout << '{' << nlohmann::json(key).dump() << ":[";
  }
  std::cout << item.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  streaming_ = true;
}

void Reporter::object(std::string_view server, std::string_view op, std::string_view file, std::string_view status,
                      std::string_view code, std::string_view message) {
  nlohmann::json o = {{"server", server}, {"op", op}, {"status", status}};
  if (!file.empty()) o["name"] = file;
  if (!code.empty()) o["code"] = code;
  o["message"] = message;
  for (auto& [key, value] : pending_.items()) o[key] = std::move(value);
  pending_ = nlohmann::json::object();
  // Invalid UTF-8 from outside is replaced, never a throw: one object per command, always.
  std::string text = o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (streaming_) text = "]," + text.substr(1);  // the fields after the streamed array: o is never empty
  streaming_ = false;
  std::cout << text + "\n" << std::flush;
}

void Reporter::ok(std::string_view server, std::string_view op, std::string_view file, std::string_view message) {
  if (json_) return object(server, op, file, "ok", "", message);  // data: printed even with -q
  if (!quiet_) line(server, op, file, std::string("ok ").append(message), false);
}

void Reporter::fail(std::string_view server, std::string_view op, std::string_view file, std::string_view code,
                    std::string_view message) {
  // Failures are reported even with -q: a silent failure helps nobody.
  if (json_) return object(server, op, file, "fail", code, message);
  line(server, op, file, std::string("fail ").append(code).append(": ").append(message), true);
}

}  // namespace imgsh::shell
