#include "shell/report.hpp"

#include <iostream>

#include "protocol/display_text.hpp"

namespace imgsh::shell {

void Reporter::line(std::string_view server, std::string_view op, std::string_view file, std::string_view rest) {
  std::string text;
  text.append(server).append(" ").append(op);
  if (!file.empty()) text.append(" ").append(file);
  text.append(" ").append(rest);
  // Names, codes and messages may come from the server: escaped, so one report is one line.
  std::cout << proto::escape_for_display(text) + "\n" << std::flush;
}

void Reporter::ok(std::string_view server, std::string_view op, std::string_view file, std::string_view message) {
  if (!quiet_) line(server, op, file, std::string("ok ").append(message));
}

void Reporter::fail(std::string_view server, std::string_view op, std::string_view file, std::string_view code,
                    std::string_view message) {
  // Failures are reported even with -q: a silent failure helps nobody.
  line(server, op, file, std::string("fail ").append(code).append(": ").append(message));
}

}  // namespace imgsh::shell
