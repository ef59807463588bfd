#include "shell/remote_op.hpp"

#include <iostream>

#include "protocol/names.hpp"

namespace imgsh::shell {

namespace {

bool run_remote(ShellContext& ctx, std::string_view op, const std::string& file, bool report_ok,
                const std::function<std::string()>& body) {
  Client& client = ctx.client;
  ctx.connection_failed = false;
  ctx.interrupted = false;
  try {
    if (client.ensure_connected() || ctx.reconnected_unsaid) {
      std::cerr << "imgsh: reconnected to " << client.server_text() << "\n";
    }
    ctx.reconnected_unsaid = false;
    std::string message = body();
    if (report_ok) ctx.reporter.ok(client.server_text(), op, file, message);
    return true;
  } catch (const proto::ProtocolError& e) {
    ctx.reporter.fail(client.server_text(), op, file, proto::to_string(e.code()), e.what());
  } catch (const ConnectionError& e) {
    ctx.connection_failed = true;
    ctx.reporter.fail(client.server_text(), op, file, "connection_lost", e.what());
  } catch (const LocalIoError& e) {
    ctx.reporter.fail(client.server_text(), op, file, "local_error", e.what());
  } catch (const Interrupted&) {
    ctx.interrupted = true;
    ctx.reporter.fail(client.server_text(), op, file, "interrupted",
                      "cancelled; nothing kept, the next command reconnects");
  }
  return false;
}

}  // namespace

bool remote_op(ShellContext& ctx, std::string_view op, const std::string& file, const std::function<std::string()>& body) {
  return run_remote(ctx, op, file, true, body);
}

bool remote_query(ShellContext& ctx, std::string_view op, const std::string& file, const std::function<void()>& body) {
  return run_remote(ctx, op, file, false, [&] {
    body();
    return std::string();
  });
}

void check_remote_name(const std::string& name) {
  if (auto problem = proto::check_name(name)) throw proto::ProtocolError(problem->code, problem->message);
}

}  // namespace imgsh::shell
