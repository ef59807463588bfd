#pragma once
// How imgsh checks a TLS server: trust store or --ca, host name, and a
// one-line explanation of whichever check failed.
#include <memory>
#include <string>

#include <asio/error_code.hpp>
#include <asio/ssl/context.hpp>

#include "protocol/net_stream.hpp"

namespace imgsh::shell {

struct TlsSettings {
  bool enabled = false;
  std::string ca_file;    // empty: the system trust store
  bool insecure = false;  // verify nothing (--insecure): loud, never the default
};

// What the verification of one handshake found wrong, if anything.
struct VerifyFindings {
  int x509_error = 0;  // X509_V_ERR_*, 0 if the chain was fine
  bool host_mismatch = false;
};

// The client context: TLS 1.2 or 1.3, trusting `settings.ca_file` or the
// system store. Throws std::runtime_error if the CA file cannot be used.
std::unique_ptr<asio::ssl::context> make_client_tls_context(const TlsSettings& settings);

// Before the handshake: SNI for `host` (unless it is an address), and a
// verify callback checking the chain and the host name, recording failures
// in `findings`.
void prepare_tls_stream(proto::NetStream::TlsStream& stream, const std::string& host, bool insecure,
                        const std::shared_ptr<VerifyFindings>& findings);

// One line saying which check failed (unknown CA, certificate expired, host
// name mismatch, server does not speak TLS, TLS version, ...).
std::string explain_tls_failure(const asio::error_code& ec, const VerifyFindings& findings, const std::string& host);

}  // namespace imgsh::shell
