#pragma once
// One remote operation as a command runs it: reconnect if the connection was
// lost, and turn the outcome into exactly one report line.
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

}  // namespace imgsh::shell
