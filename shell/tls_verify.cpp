#include "shell/tls_verify.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <stdexcept>

#include <asio/ip/address.hpp>
#include <asio/ssl/error.hpp>
#include <asio/ssl/host_name_verification.hpp>

namespace imgsh::shell {
namespace {

bool is_address(const std::string& host) {
  asio::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string chain_problem(int x509_error, const std::string& host) {
  switch (x509_error) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
      return "unknown CA: " + host + "'s certificate is not signed by a CA this client trusts (give its CA with --ca FILE)";
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "certificate expired: " + host + "'s certificate is past its end date";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "certificate not yet valid: " + host + "'s certificate starts in the future (check the clocks)";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "host name mismatch: the server's certificate is not issued for " + host;
    default:
      return std::string("certificate rejected: ") + X509_verify_cert_error_string(x509_error);
  }
}

}  // namespace

std::unique_ptr<asio::ssl::context> make_client_tls_context(const TlsSettings& settings) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression);
  asio::error_code ec;
  if (settings.ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) throw std::runtime_error("cannot use the system's trusted CAs: " + ec.message());
  } else {
    context->load_verify_file(settings.ca_file, ec);
    if (ec) throw std::runtime_error("cannot use CA file " + settings.ca_file + ": " + ec.message());
  }
  context->set_verify_mode(settings.insecure ? asio::ssl::verify_none : asio::ssl::verify_peer);
  return context;
}

void prepare_tls_stream(proto::NetStream::TlsStream& stream, const std::string& host, bool insecure,
                        const std::shared_ptr<VerifyFindings>& findings) {
  // SNI names a host, never an address (RFC 6066).
  if (!is_address(host)) SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
  if (insecure) return;
  asio::ssl::host_name_verification host_check(host);
  stream.set_verify_callback([findings, host_check](bool preverified, asio::ssl::verify_context& ctx) mutable {
    if (!preverified) {
      if (findings->x509_error == 0) findings->x509_error = X509_STORE_CTX_get_error(ctx.native_handle());
      return false;
    }
    if (!host_check(preverified, ctx)) {
      findings->host_mismatch = true;
      return false;
    }
    return true;
  });
}

std::string explain_tls_failure(const asio::error_code& ec, const VerifyFindings& findings, const std::string& host) {
  if (findings.host_mismatch) return chain_problem(X509_V_ERR_HOSTNAME_MISMATCH, host);
  if (findings.x509_error != 0) return chain_problem(findings.x509_error, host);
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated || ec == asio::error::connection_reset) {
    return "the server closed the connection during the TLS handshake: it does not speak TLS, or refused us";
  }
  if (ec.category() == asio::error::get_ssl_category()) {
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
      case SSL_R_WRONG_VERSION_NUMBER:
      case SSL_R_PACKET_LENGTH_TOO_LONG:
      case SSL_R_HTTP_REQUEST:
      case SSL_R_UNEXPECTED_EOF_WHILE_READING:
        return "the server does not speak TLS (connect without --tls, or start imgsrv with --tls-cert and --tls-key)";
      case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
      case SSL_R_UNSUPPORTED_PROTOCOL:
      case SSL_R_NO_PROTOCOLS_AVAILABLE:
      case SSL_R_WRONG_SSL_VERSION:
        return "TLS version: the server and imgsh share no TLS version (imgsh speaks TLS 1.2 and 1.3)";
      case SSL_R_CERTIFICATE_VERIFY_FAILED:
        return "the server's certificate failed verification";
      default:
        break;
    }
  }
  return "TLS handshake failed: " + ec.message();
}

}  // namespace imgsh::shell
