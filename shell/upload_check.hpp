#pragma once
// What imgsh checks of a local image before a put (PROTOCOL.md section 4): the server's
// own decoders, so a broken file is refused without a round trip and with the server's
// message. A file of kHeaderOnlyFrom bytes or more gets its header checked only (type,
// dimensions, the header's own structure): a whole decode of it would cost seconds
// before the first byte moves, while the server decodes it anyway as its body streams
// and refuses it with the same message.
#include <cstdint>
#include <string>

namespace imgsh::shell {

inline constexpr std::uint64_t kHeaderOnlyFrom = 64ull << 20;

// Throws proto::ProtocolError with the library's code and message (not_an_image,
// unsupported_type, ...). A pixel count above the library's default is left to the
// server, whose --max-pixels is final.
void check_upload_content(int fd, std::uint64_t size, const std::string& remote_name);

}  // namespace imgsh::shell
