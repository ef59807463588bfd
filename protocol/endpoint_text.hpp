#pragma once
// "ip:port" for reports and logs on both ends ("[::1]:7070" for IPv6,
// IPv4-mapped IPv6 addresses shown as plain IPv4).
#include <string>

#include <asio/ip/tcp.hpp>

namespace imgsh::proto {

inline std::string endpoint_text(const asio::ip::tcp::endpoint& ep) {
  asio::ip::address addr = ep.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  std::string host = addr.to_string();
  if (addr.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

}  // namespace imgsh::proto
