// describe_failure (remote_op.hpp): the one mapping from what the client
// throws to a report line's code and message, and the marks it leaves on the
// shell's state, shared by single and many-file commands.
#include <exception>
#include <stdexcept>

#include <gtest/gtest.h>

#include "shell/client.hpp"
#include "shell/remote_op.hpp"
#include "shell/report.hpp"
#include "shell/shell_context.hpp"
#include "shell/token_source.hpp"

namespace imgsh::shell {
namespace {

struct Described {
  Failure failure;
  bool connection_failed;
  bool interrupted;
};

template <class E>
Described describe(const E& error) {
  Client client("127.0.0.1", "9");  // never connected: the mapping needs no server
  Reporter reporter(true);
  ShellContext ctx{client, reporter};
  try {
    throw error;
  } catch (...) {
    Failure f = describe_failure(ctx);
    Failure again = describe_failure(ctx, std::current_exception());
    EXPECT_EQ(again.code, f.code);
    EXPECT_EQ(again.message, f.message);
    return {f, ctx.connection_failed, ctx.interrupted};
  }
}

TEST(FailureLines, RefusalsKeepTheirWireCode) {
  for (const auto& d : {describe(RemoteError(proto::Errc::not_found, "no such file: a.png")),
                        describe(Refusal(proto::Errc::not_found, "no such file: a.png"))}) {
    EXPECT_EQ(d.failure.code, "not_found");
    EXPECT_EQ(d.failure.message, "no such file: a.png");
    EXPECT_FALSE(d.connection_failed);
    EXPECT_FALSE(d.interrupted);
  }
}

TEST(FailureLines, UnauthorizedSaysHowToSendAToken) {
  // No token was sent (the context has none): the line says how to send one.
  Described d = describe(RemoteError(proto::Errc::unauthorized, "a token is required"));
  EXPECT_EQ(d.failure.code, "unauthorized");
  EXPECT_EQ(d.failure.message, "the server needs a token: set IMGSH_TOKEN or use --token-file FILE");
  EXPECT_EQ(explain_unauthorized("unknown token", {"t0k3n", "/home/me/token"}),
            "unknown token (the token from /home/me/token): check it, or ask for a new one (imgsrv token add)");
}

TEST(FailureLines, LostConnectionMarksTheCommand) {
  Described d = describe(ConnectionError("connection to 127.0.0.1:9 lost: the server closed the connection"));
  EXPECT_EQ(d.failure.code, "connection_lost");
  EXPECT_EQ(d.failure.message, "connection to 127.0.0.1:9 lost: the server closed the connection");
  EXPECT_TRUE(d.connection_failed);
  EXPECT_FALSE(d.interrupted);
}

TEST(FailureLines, LocalErrorIsNotAConnectionFailure) {
  Described d = describe(LocalIoError("cannot write the local file: No space left on device"));
  EXPECT_EQ(d.failure.code, "local_error");
  EXPECT_EQ(d.failure.message, "cannot write the local file: No space left on device");
  EXPECT_FALSE(d.connection_failed);
}

TEST(FailureLines, CtrlCSaysNothingWasKept) {
  Described d = describe(Interrupted("interrupted"));
  EXPECT_EQ(d.failure.code, "interrupted");
  EXPECT_EQ(d.failure.message, "cancelled; nothing kept, the next command reconnects");
  EXPECT_TRUE(d.interrupted);
  EXPECT_FALSE(d.connection_failed);
}

TEST(FailureLines, FilesThatNeverGotTheirTurnSayWhy) {
  Described cancelled = describe(NotTransferred(true));
  EXPECT_EQ(cancelled.failure.code, "interrupted");
  EXPECT_EQ(cancelled.failure.message, "not transferred: cancelled");
  Described lost = describe(NotTransferred(false));
  EXPECT_EQ(lost.failure.code, "connection_lost");
  EXPECT_EQ(lost.failure.message, "not transferred: the connection to the server was lost");
}

TEST(FailureLines, OtherExceptionsAreNotReportLines) {
  Client client("127.0.0.1", "9");
  Reporter reporter(true);
  ShellContext ctx{client, reporter};
  EXPECT_THROW(
      {
        try {
          throw std::logic_error("a bug");
        } catch (...) {
          (void)describe_failure(ctx);
        }
      },
      std::logic_error);
}

}  // namespace
}  // namespace imgsh::shell
