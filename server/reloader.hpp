#pragma once
// What SIGHUP does: re-read the token file and the TLS certificate and key.
// A file that fails to load changes nothing (the old set or certificate stays
// in force) and the log says why; sessions in flight are never touched. Tells
// systemd RELOADING=1 before and READY=1 after.
#include <cstdint>
#include <list>

#include "server/gatekeeper.hpp"
#include "server/listener.hpp"
#include "server/server_options.hpp"
#include "server/tls_context.hpp"

namespace imgsh::server {

class Reloader {
 public:
  // `tls` is the context the listener starts with, `gate` the gatekeeper when
  // there is a token file (else nullptr); all outlive the reloader's use.
  Reloader(const ServerOptions& options, Listener& listener, Gatekeeper* gate, TlsContext tls);

  // Runs on the listener's accepting strand (Listener::on_reload).
  void reload(std::uint16_t port);

  const TlsContext& current_tls() const { return contexts_.back(); }

 private:
  void reload_tokens();
  void reload_tls();

  const ServerOptions& options_;
  Listener& listener_;
  Gatekeeper* gate_;
  // Every context ever used, kept until exit: a session accepted under an old
  // certificate holds an SSL object made from that context. A reload adds one
  // small context; rotations are rare.
  std::list<TlsContext> contexts_;
};

}  // namespace imgsh::server
