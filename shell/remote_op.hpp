#pragma once
// One remote operation as a command runs it: reconnect if the connection was
// lost, and turn the outcome into exactly one report line. The one mapping
// from what the client throws to a report line, for single and many-file
// commands alike.
#include <exception>
#include <functional>
#include <string>
#include <string_view>

#include "shell/shell_context.hpp"

namespace imgsh::shell {

// Runs `body` (which returns the ok message); every failure becomes a fail
// line with its code. Returns success.
bool remote_op(ShellContext& ctx, std::string_view op, const std::string& file, const std::function<std::string()>& body);

// The same, reporting only a failure (a lookup that is part of a larger command).
bool remote_query(ShellContext& ctx, std::string_view op, const std::string& file, const std::function<void()>& body);

// Throws ProtocolError (invalid_name, unsupported_type) before anything is sent.
void check_remote_name(const std::string& name);

// The one reconnect point of commands: connects again if the connection was
// lost (or Tab completion reconnected) and says so on stderr. Throws what
// Client::connect throws.
void reconnect_if_needed(ShellContext& ctx);

struct Failure {
  std::string code;  // the report line's: a wire error code, connection_lost, local_error, interrupted
  std::string message;
};
// Call inside a catch: the failure being handled as a report line's code and
// message; marks ctx.connection_failed or ctx.interrupted when it is that.
Failure describe_failure(ShellContext& ctx);
// The same for a failure passed on as an exception_ptr (many-file transfers).
Failure describe_failure(ShellContext& ctx, std::exception_ptr why);

}  // namespace imgsh::shell
