#pragma once
// What a client call throws, by what it means for the connection. Turning
// these into report lines is remote_op's job (describe_failure), not the client's.
#include <stdexcept>

#include "protocol/error_code.hpp"

namespace imgsh::shell {

// The server refused a request; code() is the wire error code. Unless it is
// a Refusal (below), the client dropped the connection, which is out of step.
using RemoteError = proto::ProtocolError;

// A refusal read in step (an error reply whose request was sent whole, or a
// get whose bytes failed their checksum): the connection goes on.
class Refusal : public RemoteError {
 public:
  using RemoteError::RemoteError;
};

// The connection failed or broke; the client is disconnected afterwards.
class ConnectionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A wait passed its deadline (BlockingBridge's reply timeout); the phase
// that waited (connect, TLS, hello) may say more. A ConnectionError too.
class TimedOut : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};

// A local file could not be read or written mid-transfer (disk full, file
// changed while being sent); the connection is dropped since it is out of step.
class LocalIoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Ctrl-C cancelled the request; the client is disconnected afterwards.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file of a many-file transfer that never got its turn: an earlier one
// broke the connection, or Ctrl-C stopped them all (`interrupted`).
class NotTransferred : public std::runtime_error {
 public:
  explicit NotTransferred(bool interrupted)
      : std::runtime_error(interrupted ? "not transferred: interrupted" : "not transferred: connection lost"),
        interrupted_(interrupted) {}
  bool interrupted() const { return interrupted_; }

 private:
  bool interrupted_;
};

}  // namespace imgsh::shell
