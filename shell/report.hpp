#pragma once
// The one line imgsh prints after each command, on stderr (data goes to stdout):
//   <server_ip:port> <op> [<file>] ok <message>
//   <server_ip:port> <op> [<file>] fail <code>: <message>
// <file> is shell-quoted when it holds spaces or other special characters.
#include <cstdio>
#include <string>
#include <string_view>

namespace imgsh::shell {

class Reporter {
 public:
  explicit Reporter(bool quiet) : quiet_(quiet) {}
  void ok(std::string_view server, std::string_view op, std::string_view file, std::string_view message);
  void fail(std::string_view server, std::string_view op, std::string_view file, std::string_view code,
            std::string_view message);

 private:
  void line(std::string_view server, std::string_view op, std::string_view file, std::string_view rest);
  bool quiet_;
};

}  // namespace imgsh::shell
