#include "server/tls_context.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace imgsh::server {
namespace {

std::string openssl_reason() {
  unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(e);
  return reason ? reason : "OpenSSL error " + std::to_string(e);
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string subject_of(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
  std::string text = bio_text(bio);
  BIO_free(bio);
  return text;
}

std::string not_after_of(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  ASN1_TIME_print(bio, X509_get0_notAfter(cert));
  std::string text = bio_text(bio);
  BIO_free(bio);
  return text;
}

}  // namespace

TlsContext make_tls_context(const std::filesystem::path& cert, const std::filesystem::path& key,
                            const std::string& min_version) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  int min = min_version == "1.2" ? TLS1_2_VERSION : TLS1_3_VERSION;
  if (min_version != "1.2" && min_version != "1.3") throw std::runtime_error("--tls-min must be 1.2 or 1.3");
  SSL_CTX_set_min_proto_version(ctx, min);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression |
                       asio::ssl::context::single_dh_use);
  // No session resumption: every connection is a full handshake, and nothing
  // arrives on an idle connection that the client could mistake for data.
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1) {
    throw std::runtime_error("cannot use TLS certificate " + cert.string() + ": " + openssl_reason());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("cannot use TLS key " + key.string() + ": " + openssl_reason());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    throw std::runtime_error("TLS key " + key.string() + " does not match certificate " + cert.string());
  }
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  return TlsContext{std::move(context), subject_of(leaf), not_after_of(leaf)};
}

}  // namespace imgsh::server
