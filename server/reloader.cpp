#include "server/reloader.hpp"

#include <exception>

#include <spdlog/spdlog.h>

#include "server/systemd_notify.hpp"

namespace imgsh::server {

Reloader::Reloader(const ServerOptions& options, Listener& listener, Gatekeeper* gate, TlsContext tls)
    : options_(options), listener_(listener), gate_(gate) {
  contexts_.push_back(std::move(tls));
  if (contexts_.back().context) listener_.use_tls(*contexts_.back().context);
}

void Reloader::reload(std::uint16_t port) {
  notify_reloading();
  spdlog::info("SIGHUP: reloading the token file and the TLS certificate");
  reload_tokens();
  reload_tls();
  notify_ready(port);
}

void Reloader::reload_tokens() {
  if (gate_ == nullptr) return;
  try {
    auto tokens = TokenStore::load(options_.tokens);
    std::size_t count = tokens.size();
    gate_->replace(std::move(tokens));
    spdlog::info("reloaded {} tokens from {}", count, options_.tokens.string());
  } catch (const std::exception& e) {
    spdlog::error("reload: keeping the tokens in force: {}", e.what());
  }
}

void Reloader::reload_tls() {
  if (options_.tls_cert.empty()) return;
  try {
    auto fresh = make_tls_context(options_.tls_cert, options_.tls_key, options_.tls_min);
    contexts_.push_back(std::move(fresh));
    listener_.use_tls(*contexts_.back().context);
    spdlog::info("reloaded TLS certificate {}: {}, valid until {}", options_.tls_cert.string(),
                 contexts_.back().subject, contexts_.back().not_after);
  } catch (const std::exception& e) {
    spdlog::error("reload: keeping the TLS certificate in force: {}", e.what());
  }
}

}  // namespace imgsh::server
