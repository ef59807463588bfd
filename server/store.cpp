#include "server/store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "protocol/file_transfer.hpp"
#include "protocol/names.hpp"
#include "server/checksum_cache.hpp"

namespace imgsh::server {
namespace {

using proto::Errc;

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string random_suffix() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

proto::FileInfo info_from_stat(const std::string& name, const struct stat& st) {
  return {name, static_cast<std::uint64_t>(st.st_size), static_cast<std::int64_t>(st.st_mtime)};
}

// Throws invalid_name / unsupported_type. A name that passes has no '/' and
// no leading '.', so it can only ever denote an entry of the root itself.
void require_valid_name(const std::string& name) {
  if (auto problem = proto::check_name(name)) throw StoreError(problem->code, problem->message);
}

// Reads the root's entries; closes the directory stream on every path.
template <class F>
void for_each_entry(int root_fd, F&& visit) {
  UniqueFd dir_fd(::openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  DIR* dir = dir_fd ? ::fdopendir(dir_fd.get()) : nullptr;
  if (!dir) throw StoreError(Errc::internal, errno_text("cannot read the root directory"));
  dir_fd.release();
  struct Closer {
    DIR* d;
    ~Closer() { ::closedir(d); }
  } closer{dir};
  while (const dirent* entry = ::readdir(dir)) visit(std::string_view(entry->d_name));
}

}  // namespace

Store::Store(const std::filesystem::path& root, bool fsync_enabled) : root_(root), fsync_(fsync_enabled) {
  root_fd_.reset(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd_) throw std::runtime_error(errno_text("cannot open root " + root.string()));
}

void Store::lock_root() {
  if (::flock(root_fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) throw std::runtime_error("another imgsrv is already serving " + root_.string());
    throw std::runtime_error(errno_text("cannot lock root " + root_.string()));
  }
}

int Store::remove_stale_temporaries() {
  int removed = 0;
  for_each_entry(root_fd_.get(), [&](std::string_view name) {
    if (name.starts_with(kTempPrefix) && ::unlinkat(root_fd_.get(), std::string(name).c_str(), 0) == 0) ++removed;
  });
  return removed;
}

std::vector<proto::FileInfo> Store::list(const std::string& prefix, std::uint64_t limit, bool& truncated) const {
  std::vector<proto::FileInfo> files;
  for_each_entry(root_fd_.get(), [&](std::string_view entry) {
    if (!entry.starts_with(prefix) || proto::check_name(entry)) return;
    std::string name(entry);
    struct stat st {};
    if (::fstatat(root_fd_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
      files.push_back(info_from_stat(name, st));
    }
  });
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  truncated = limit > 0 && files.size() > limit;
  if (truncated) files.resize(limit);
  return files;
}

proto::FileInfo Store::stat(const std::string& name) const { return open(name).info; }

OpenedFile Store::open(const std::string& name) const {
  require_valid_name(name);
  UniqueFd fd(::openat(root_fd_.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  // ELOOP: a symbolic link, never followed; anything else unexpected is ours.
  if (!fd && errno != ENOENT && errno != ELOOP && errno != ENOTDIR) {
    throw StoreError(Errc::internal, errno_text(name + ": cannot open"));
  }
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw StoreError(Errc::not_found, name + ": no such file on the server");
  }
  proto::FileInfo info = info_from_stat(name, st);
  try {
    info.xxh3 = file_checksum(fd.get(), st);
  } catch (const std::exception& e) {
    throw StoreError(Errc::internal, name + ": cannot read: " + e.what());
  }
  return {std::move(fd), std::move(info)};
}

void Store::check_upload(const std::string& name, std::uint64_t size, std::uint64_t max_file_size) const {
  require_valid_name(name);
  if (size == 0) throw StoreError(Errc::empty_file, name + ": empty files are not stored");
  if (max_file_size > 0 && size > max_file_size) {
    throw StoreError(Errc::too_large, name + ": " + std::to_string(size) + " bytes exceeds the server's limit of " +
                                          std::to_string(max_file_size) + " bytes");
  }
  struct stat st {};
  if (::fstatat(root_fd_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    throw StoreError(Errc::exists, name + ": already exists on the server");
  }
  if (errno != ENOENT) throw StoreError(Errc::internal, errno_text(name));
  struct statvfs vfs {};
  if (::fstatvfs(root_fd_.get(), &vfs) == 0) {
    std::uint64_t free_bytes = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    if (size > free_bytes) {
      throw StoreError(Errc::no_space, name + ": " + std::to_string(size) + " bytes do not fit in the " +
                                           std::to_string(free_bytes) + " bytes free on the server");
    }
  }
}

Upload Store::begin_upload(const std::string& name, std::uint64_t size, std::uint64_t max_file_size) const {
  check_upload(name, size, max_file_size);
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string temp = std::string(kTempPrefix) + random_suffix();
    int fd = ::openat(root_fd_.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) return Upload(*this, name, std::move(temp), UniqueFd(fd));
    if (errno != EEXIST) {
      if (errno == ENOSPC || errno == EDQUOT) throw StoreError(Errc::no_space, name + ": no space for a temporary file");
      throw StoreError(Errc::internal, errno_text("cannot create a temporary file"));
    }
  }
  throw StoreError(Errc::internal, "cannot create a unique temporary file");
}

Upload::Upload(const Store& store, std::string name, std::string temp_name, UniqueFd fd)
    : store_(&store), name_(std::move(name)), temp_name_(std::move(temp_name)), fd_(std::move(fd)) {}

Upload::Upload(Upload&& other) noexcept
    : store_(other.store_),
      name_(std::move(other.name_)),
      temp_name_(std::move(other.temp_name_)),
      fd_(std::move(other.fd_)),
      done_(std::exchange(other.done_, true)) {}

Upload::~Upload() { discard(); }

void Upload::discard() {
  if (done_) return;
  done_ = true;
  fd_.reset();
  ::unlinkat(store_->root_fd_.get(), temp_name_.c_str(), 0);
}

void Upload::write(std::span<const std::uint8_t> bytes) {
  try {
    proto::write_all(fd_.get(), bytes);
  } catch (const std::system_error& e) {
    if (e.code().value() == ENOSPC || e.code().value() == EDQUOT) {
      throw StoreError(Errc::no_space, name_ + ": the server's disk is full");
    }
    throw StoreError(Errc::internal, name_ + ": " + e.what());
  }
}

proto::FileInfo Upload::publish(std::string_view xxh3) {
  int root = store_->root_fd_.get();
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) throw StoreError(Errc::internal, errno_text(name_ + ": fstat"));
  if (!xxh3.empty()) cache_checksum(fd_.get(), st, xxh3);
  if (store_->fsync_ && ::fsync(fd_.get()) != 0) {
    throw StoreError(errno == ENOSPC ? Errc::no_space : Errc::internal, errno_text(name_ + ": fsync"));
  }
  // RENAME_NOREPLACE fails with EEXIST if the name appeared meanwhile: of two
  // racing uploads exactly one wins. Filesystems without it get link+unlink.
  int rc = ::renameat2(root, temp_name_.c_str(), root, name_.c_str(), RENAME_NOREPLACE);
  if (rc != 0 && errno == EINVAL) {
    rc = ::linkat(root, temp_name_.c_str(), root, name_.c_str(), 0);
    if (rc == 0) ::unlinkat(root, temp_name_.c_str(), 0);
  }
  if (rc != 0) {
    if (errno == EEXIST) throw StoreError(Errc::exists, name_ + ": already exists on the server");
    throw StoreError(Errc::internal, errno_text(name_ + ": cannot publish"));
  }
  done_ = true;
  fd_.reset();
  if (store_->fsync_) ::fsync(root);
  proto::FileInfo info = info_from_stat(name_, st);
  info.xxh3 = xxh3;
  return info;
}

}  // namespace imgsh::server
