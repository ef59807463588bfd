#include "shell/upload_check.hpp"

#include "protocol/error_code.hpp"
#include "protocol/image_check.hpp"
#include "protocol/image_header.hpp"

namespace imgsh::shell {

void check_upload_content(int fd, std::uint64_t size, const std::string& remote_name) {
  // A readable header: the server's decode, overlapped with the transfer, has the last word.
  if (size >= kHeaderOnlyFrom && proto::read_image_header(fd, remote_name)) return;
  // A small file, or a large one whose header does not read: the whole decode, which
  // for a bad header ends at once with the precise message.
  proto::ImageCheck check = proto::check_image_file(fd, remote_name);
  if (check.problem && check.problem->code != proto::Errc::too_large) {
    throw proto::ProtocolError(check.problem->code, check.problem->message);
  }
}

}  // namespace imgsh::shell
