#pragma once
// One connection's byte stream, plain TCP or TLS over TCP, behind one type:
// the frame reader, write_frame and the handlers read the same either way.
// Asio's composed operations (async_write, the frame reader) only need
// async_read_some/async_write_some and an executor, which this forwards to
// whichever layer is in use.
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include <asio/async_result.hpp>
#include <asio/compose.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>

namespace imgsh::proto {

class NetStream {
 public:
  using executor_type = asio::ip::tcp::socket::executor_type;
  using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

  // Plain TCP.
  explicit NetStream(asio::ip::tcp::socket socket) : plain_(std::make_unique<asio::ip::tcp::socket>(std::move(socket))) {}
  // TLS over `socket`; the handshake is the owner's to do (tls()->handshake).
  NetStream(asio::ip::tcp::socket socket, asio::ssl::context& context)
      : tls_(std::make_unique<TlsStream>(std::move(socket), context)) {}

  executor_type get_executor() { return tcp().get_executor(); }
  // The TCP socket underneath: options, addresses, shutdown, close.
  asio::ip::tcp::socket& tcp() { return tls_ ? tls_->next_layer() : *plain_; }
  const asio::ip::tcp::socket& tcp() const { return tls_ ? tls_->next_layer() : *plain_; }
  // The TLS layer, or null on a plain connection.
  TlsStream* tls() { return tls_.get(); }
  bool is_open() const { return tcp().is_open(); }

  // A buffer for file bytes on their way into TLS (sendfile cannot encrypt);
  // made on first use and kept for the connection, so memory stays bounded.
  std::vector<std::uint8_t>& chunk_buffer() {
    if (chunk_.empty()) chunk_.resize(kChunkSize);
    return chunk_;
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    if constexpr (std::is_same_v<MutableBuffers, asio::mutable_buffer>) {
      if (tls_) {
        return asio::async_compose<Token, void(asio::error_code, std::size_t)>(GreedyTlsRead{*tls_, buffers},
                                                                                token, *tls_);
      }
    }
    return asio::async_initiate<Token, void(asio::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (tls_) {
            tls_->async_read_some(b, std::move(handler));
          } else {
            plain_->async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(asio::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (tls_) {
            tls_->async_write_some(b, std::move(handler));
          } else {
            plain_->async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

 private:
  // TLS hands out one record (<= 16 KiB) per read: while more records have
  // already arrived, keep filling the caller's buffer, so a large body moves
  // in large pieces (fewer resumptions and file writes). Never waits for
  // bytes that are not there yet beyond the first read.
  struct GreedyTlsRead {
    TlsStream& tls;
    asio::mutable_buffer buffer;
    std::size_t done = 0;
    bool started = false;

    template <class Self>
    void operator()(Self& self, asio::error_code ec = {}, std::size_t n = 0) {
      if (started) {
        done += n;
        asio::error_code avail_ec;
        bool more_ready = tls.next_layer().available(avail_ec) > 0 || SSL_pending(tls.native_handle()) > 0;
        if (ec || done == buffer.size() || avail_ec || !more_ready) {
          // Bytes already read are delivered; an error after them shows on the next read.
          self.complete(done > 0 ? asio::error_code() : ec, done);
          return;
        }
      }
      started = true;
      tls.async_read_some(buffer + done, std::move(self));
    }
  };

  static constexpr std::size_t kChunkSize = 256 * 1024;
  std::unique_ptr<asio::ip::tcp::socket> plain_;
  std::unique_ptr<TlsStream> tls_;
  std::vector<std::uint8_t> chunk_;
};

}  // namespace imgsh::proto
