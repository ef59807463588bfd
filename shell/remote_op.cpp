#include "shell/remote_op.hpp"

#include <iostream>

#include "protocol/names.hpp"

namespace imgsh::shell {

namespace {

bool run_remote(ShellContext& ctx, std::string_view op, const std::string& file, bool report_ok,
                const std::function<std::string()>& body) {
  ctx.connection_failed = false;
  ctx.interrupted = false;
  try {
    reconnect_if_needed(ctx);
    std::string message = body();
    if (report_ok) ctx.reporter.ok(ctx.client.server_text(), op, file, message);
    return true;
  } catch (const std::exception&) {
    Failure f = describe_failure(ctx);
    ctx.reporter.fail(ctx.client.server_text(), op, file, f.code, f.message);
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
  if (auto problem = proto::check_name(name)) {
    // get and stat read the store: "can be stored" would answer a question nobody asked.
    if (problem->code == proto::Errc::unsupported_type) {
      throw proto::ProtocolError(problem->code, name + ": not an image name; the store holds only .jpg, .jpeg and .png files");
    }
    throw proto::ProtocolError(problem->code, problem->message);
  }
}

void reconnect_if_needed(ShellContext& ctx) {
  if (ctx.client.ensure_connected() || ctx.reconnected_unsaid) {
    std::cerr << "imgsh: reconnected to " << ctx.client.server_text() << "\n";
  }
  ctx.reconnected_unsaid = false;
}

Failure describe_failure(ShellContext& ctx) {
  try {
    throw;
  } catch (const proto::ProtocolError& e) {
    if (e.code() == proto::Errc::unauthorized) return {"unauthorized", explain_unauthorized(e.what(), ctx.token)};
    return {std::string(proto::to_string(e.code())), e.what()};
  } catch (const ConnectionError& e) {
    ctx.connection_failed = true;
    return {"connection_lost", e.what()};
  } catch (const LocalIoError& e) {
    return {"local_error", e.what()};
  } catch (const Interrupted& e) {
    ctx.interrupted = true;
    if (std::string_view(e.what()).starts_with("cancelled")) return {"interrupted", e.what()};  // says what was kept
    return {"interrupted", "cancelled; nothing kept, the next command reconnects"};
  } catch (const NotTransferred& e) {
    if (e.interrupted()) return {"interrupted", "not transferred: cancelled"};
    return {"connection_lost", "not transferred: the connection to the server was lost"};
  } catch (...) {
    throw;  // not a failure of the remote operation: let it through
  }
}

Failure describe_failure(ShellContext& ctx, std::exception_ptr why) {
  try {
    std::rethrow_exception(why);
  } catch (...) {
    return describe_failure(ctx);
  }
}

}  // namespace imgsh::shell
