#pragma once
// One connection's byte stream, plain TCP or TLS over TCP, behind one type:
// the frame reader, write_frame and the handlers read the same either way.
// Asio's composed operations (async_write, the frame reader) only need
// async_read_some/async_write_some and an executor, which this forwards to
// whichever layer is in use.
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include <asio/async_result.hpp>
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
  static constexpr std::size_t kChunkSize = 256 * 1024;
  std::unique_ptr<asio::ip::tcp::socket> plain_;
  std::unique_ptr<TlsStream> tls_;
  std::vector<std::uint8_t> chunk_;
};

}  // namespace imgsh::proto
