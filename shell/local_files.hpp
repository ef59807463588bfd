#pragma once
// The local side of transfers: a file to upload, checked before anything is
// sent; and a download that appears under its name only when complete and
// never replaces an existing file.
#include <cstdint>
#include <string>

#include "protocol/error_code.hpp"
#include "protocol/unique_fd.hpp"

namespace imgsh::shell {

// A local refusal, with the same codes the server uses (not_found, exists, ...).
using LocalError = proto::ProtocolError;

struct UploadSource {
  UniqueFd fd;
  std::uint64_t size = 0;
};

// Opens `path` for a put under `remote_name`: checks the name rules, that it
// is a non-empty regular file, and that its content is the kind its name says.
UploadSource open_upload_source(const std::string& path, const std::string& remote_name);

// Where `get REMOTE [LOCAL]` writes: LOCAL, LOCAL/REMOTE when LOCAL is a
// directory, or REMOTE in the current directory.
std::string download_path(const std::string& remote_name, const std::string& local_arg);

// get -p: the local copy takes the remote file's modification time. Throws LocalError.
void set_modification_time(int fd, std::int64_t mtime, const std::string& path);
// put -p: the local file's modification time (whole seconds), for the server to keep.
std::int64_t modification_time(int fd);

class Download {
 public:
  // Throws LocalError(exists) if `path` exists; creates an invisible temporary
  // beside it (O_TMPFILE; a hidden named file where unsupported).
  explicit Download(std::string path);
  Download(const Download&) = delete;
  Download& operator=(const Download&) = delete;
  ~Download();  // not committed: the temporary disappears

  int fd() const { return fd_.get(); }
  // Flushes (unless the caller already did, e.g. with syncfs) and links the
  // file under its name; throws LocalError(exists) if the name appeared meanwhile.
  void commit(bool flush = true);
  // Not complete (a failure or Ctrl-C): the bytes so far become the hidden file
  // `partial` (replacing an older one there) for a later reget; false if not possible.
  bool keep_as(const std::string& partial);

 private:
  std::string path_;
  std::string dir_;
  std::string temp_name_;  // empty with O_TMPFILE
  UniqueFd fd_;
  bool committed_ = false;
};

}  // namespace imgsh::shell
