#include "shell/local_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "protocol/names.hpp"
#include "shell/upload_check.hpp"

namespace imgsh::shell {
namespace {

using proto::Errc;

std::string dirname_of(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

[[noreturn]] void fail_errno(const std::string& path) {
  int err = errno;
  if (err == ENOENT) throw LocalError(Errc::not_found, path + ": no such local file or directory");
  if (err == EEXIST) throw LocalError(Errc::exists, path + ": a local file of that name exists; not overwritten");
  throw LocalError(Errc::internal, path + ": " + std::strerror(err));
}

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a file";
}

}  // namespace

UploadSource open_upload_source(const std::string& path, const std::string& remote_name) {
  if (auto problem = proto::check_name(remote_name)) throw LocalError(problem->code, problem->message);
  UploadSource src;
  // O_NONBLOCK: opening a FIFO with no writer would wait forever, a device
  // may act on open. Only a regular file goes on; then reads block again.
  src.fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!src.fd) fail_errno(path);
  struct stat st {};
  if (::fstat(src.fd.get(), &st) != 0) fail_errno(path);
  if (S_ISDIR(st.st_mode)) {
    throw LocalError(Errc::unsupported_type, path + ": is a directory (put " + path + "/*.jpg uploads its images)");
  }
  if (!S_ISREG(st.st_mode)) throw LocalError(Errc::unsupported_type, path + ": " + kind_of(st.st_mode) + ", not a regular file; refused");
  int flags = ::fcntl(src.fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(src.fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) fail_errno(path);
  if (st.st_size == 0) throw LocalError(Errc::empty_file, path + ": the file is empty; empty files are not stored");
  src.size = static_cast<std::uint64_t>(st.st_size);
  check_upload_content(src.fd.get(), src.size, remote_name);  // upload_check.hpp
  return src;
}

std::string download_path(const std::string& remote_name, const std::string& local_arg) {
  if (local_arg.empty()) return remote_name;
  struct stat st {};
  if (local_arg.back() == '/' || (::stat(local_arg.c_str(), &st) == 0 && S_ISDIR(st.st_mode))) {
    return (local_arg.back() == '/' ? local_arg : local_arg + "/") + remote_name;
  }
  return local_arg;
}

std::int64_t modification_time(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 ? static_cast<std::int64_t>(st.st_mtim.tv_sec) : 0;
}

void set_modification_time(int fd, std::int64_t mtime, const std::string& path) {
  struct timespec times[2] = {{0, UTIME_NOW}, {static_cast<time_t>(mtime), 0}};
  if (::futimens(fd, times) != 0) fail_errno(path);
}

Download::Download(std::string path) : path_(std::move(path)), dir_(dirname_of(path_)) {
  if (exists(path_)) {
    errno = EEXIST;
    fail_errno(path_);
  }
  fd_.reset(::open(dir_.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
  if (fd_) return;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) fail_errno(dir_);
  // No O_TMPFILE on this filesystem: a hidden temporary, removed on failure.
  std::mt19937_64 rng{std::random_device{}()};
  for (int attempt = 0; attempt < 8 && !fd_; ++attempt) {
    temp_name_ = dir_ + "/." + std::filesystem::path(path_).filename().string() + ".imgsh-part." + std::to_string(rng() % 1000000000);
    fd_.reset(::open(temp_name_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd_ && errno != EEXIST) fail_errno(temp_name_);
  }
  if (!fd_) fail_errno(temp_name_);
}

Download::~Download() {
  if (!committed_ && !temp_name_.empty()) ::unlink(temp_name_.c_str());
}

void Download::commit(bool flush) {
  if (flush && ::fsync(fd_.get()) != 0) fail_errno(path_);
  int rc;
  if (temp_name_.empty()) {
    std::string proc = "/proc/self/fd/" + std::to_string(fd_.get());
    rc = ::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, path_.c_str(), AT_SYMLINK_FOLLOW);
  } else {
    rc = ::link(temp_name_.c_str(), path_.c_str());
    if (rc == 0) ::unlink(temp_name_.c_str());
  }
  if (rc != 0) fail_errno(path_);
  committed_ = true;
  fd_.reset();
}

bool Download::keep_as(const std::string& partial) {
  if (committed_ || !fd_) return false;
  std::string named = temp_name_;
  if (named.empty()) {  // O_TMPFILE: give it a unique name first, then move it over any older partial
    named = partial + "." + std::to_string(::getpid()) + ".new";
    std::string proc = "/proc/self/fd/" + std::to_string(fd_.get());
    if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, named.c_str(), AT_SYMLINK_FOLLOW) != 0) return false;
  }
  if (::rename(named.c_str(), partial.c_str()) != 0) {
    ::unlink(named.c_str());
    return false;
  }
  committed_ = true;
  fd_.reset();
  return true;
}

}  // namespace imgsh::shell
