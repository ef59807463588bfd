#pragma once
// Resuming downloads (sftp reget, lftp get -c). A get that fails or is
// cancelled keeps what arrived as a hidden partial (partial_file.hpp);
// get -c / reget continues it from its end with a get `offset`, verifies the
// whole file's checksum over the partial and the rest, then links the final
// name (never replacing a file).
#include <exception>
#include <functional>
#include <string>

#include "protocol/messages.hpp"
#include "shell/client.hpp"
#include "shell/local_files.hpp"
#include "shell/shell_context.hpp"

namespace imgsh::shell {

// get -c NAME into `path`: the report line's text. -p (`preserve_time`) sets the remote mtime.
std::string resume_get(ShellContext& ctx, const std::string& name, const std::string& path, bool preserve_time);

// A plain get into `download`: `get` runs it, filling `announced` once the reply's header is in.
// If it fails (not a checksum mismatch) after bytes arrived, they are kept as the partial
// and the failure's message says so.
proto::FileInfo get_keeping_partial(Download& download, const std::string& path,
                                    const std::function<proto::FileInfo(proto::FileInfo& announced)>& get);

// The same for a get of a many-file transfer that failed with `why` after its reply
// announced remote content `xxh3` (empty: no reply came): keeps the bytes that arrived as
// the partial when it can, sets `kept`, and returns the failure to report (noting what was kept).
std::exception_ptr keep_partial_after(Download& download, const std::string& path, const std::string& xxh3,
                                      std::exception_ptr why, bool& kept);

}  // namespace imgsh::shell
