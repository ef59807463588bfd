#pragma once
// Resuming uploads (sftp reput, lftp put -c). put -c / reput hashes the local
// file, then asks the server to continue an upload of the same name, size and
// content that was cut (the server keeps one for its --resume-window): only
// the rest travels, and the server verifies the whole file's checksum before
// the name appears. A put -c that is cut says the server keeps what arrived.
#include <string>

#include "shell/file_commands.hpp"
#include "shell/local_files.hpp"
#include "shell/shell_context.hpp"

namespace imgsh::shell {

// put -c `source` (opened, checked) as `name`: the report line's text.
std::string resume_put(ShellContext& ctx, UploadSource& source, const std::string& name, const TransferFlags& flags);

}  // namespace imgsh::shell
