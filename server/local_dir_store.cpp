#include "server/local_dir_store.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <random>

#include "protocol/fd_io.hpp"
#include "protocol/names.hpp"
#include "protocol/unique_fd.hpp"
#include "server/checksum_service.hpp"
#include "server/file_sender.hpp"
#include "server/root_claim.hpp"
#include "server/root_entries.hpp"
#include "server/root_name_batches.hpp"

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

// How much of the names one pass over the root picks for a listing may
// take (names and their strings): bounded whatever the root's size.
constexpr std::size_t kListBatchBytes = 768 * 1024;

// Throws invalid_name / unsupported_type. A name that passes has no '/' and
// no leading '.', so it can only ever denote an entry of the root itself.
void require_valid_name(const std::string& name) {
  if (auto problem = proto::check_name(name)) throw StoreError(problem->code, problem->message);
}

StoreError not_stored(const std::string& name) { return StoreError(Errc::not_found, name + ": no such file on the server"); }

// Opens `name` for reading only if it is a regular file. O_PATH opens
// nothing (a FIFO's blocked writer stays blocked, a device's driver is never
// called); fstat says what it is; only then is that same inode opened for
// reading, through /proc/self/fd. Without /proc, by name, and checked again
// to be the same regular file. Throws not_found, internal.
UniqueFd open_regular_file(int root_fd, const std::string& name) {
  UniqueFd path_fd(::openat(root_fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!path_fd) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) throw not_stored(name);
    throw StoreError(Errc::internal, errno_text(name + ": cannot open"));
  }
  struct stat before {};
  if (::fstat(path_fd.get(), &before) != 0) throw StoreError(Errc::internal, errno_text(name + ": fstat"));
  if (!S_ISREG(before.st_mode)) throw not_stored(name);  // a symlink, FIFO, device, socket, directory
  std::string proc = "/proc/self/fd/" + std::to_string(path_fd.get());
  UniqueFd fd(::open(proc.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC));
  if (!fd && errno == ENOENT) {
    fd.reset(::openat(root_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  }
  if (!fd) {
    if (errno == ENOENT || errno == ELOOP) throw not_stored(name);
    throw StoreError(Errc::internal, errno_text(name + ": cannot open"));
  }
  struct stat after {};
  if (::fstat(fd.get(), &after) != 0) throw StoreError(Errc::internal, errno_text(name + ": fstat"));
  if (!S_ISREG(after.st_mode) || after.st_dev != before.st_dev || after.st_ino != before.st_ino) throw not_stored(name);
  return fd;
}

class LocalStoredFile final : public StoredFile {
 public:
  LocalStoredFile(UniqueFd fd, proto::FileInfo info) : fd_(std::move(fd)), info_(std::move(info)) {}
  const proto::FileInfo& info() const override { return info_; }

  asio::awaitable<void> send(proto::NetStream& stream, std::string_view head, bool more_follows) override {
    try {
      co_await send_head_and_file(stream, head, fd_.get(), 0, info_.size, more_follows);
    } catch (const proto::ProtocolError& e) {
      // The header promised more bytes than the file now has: the frame
      // cannot be completed, so the connection must end (the client keeps nothing).
      throw std::runtime_error(info_.name + ": " + e.what());
    }
  }

 private:
  UniqueFd fd_;
  proto::FileInfo info_;
};

// Bytes go into a hidden temporary in the root; publish renames it to its
// name with RENAME_NOREPLACE. Destroyed unpublished, it unlinks the temporary.
class LocalUpload final : public UploadSink {
 public:
  LocalUpload(int root_fd, bool fsync, ChecksumService& hashes, std::string name, std::string temp_name, UniqueFd fd)
      : root_fd_(root_fd),
        fsync_(fsync),
        hashes_(hashes),
        name_(std::move(name)),
        temp_name_(std::move(temp_name)),
        fd_(std::move(fd)) {}
  LocalUpload(const LocalUpload&) = delete;
  LocalUpload& operator=(const LocalUpload&) = delete;
  ~LocalUpload() override {
    if (done_) return;
    fd_.reset();
    ::unlinkat(root_fd_, temp_name_.c_str(), 0);
  }

  asio::awaitable<void> write(std::span<const std::uint8_t> bytes) override {
    try {
      proto::write_all(fd_.get(), bytes);
    } catch (const std::system_error& e) {
      if (e.code().value() == ENOSPC || e.code().value() == EDQUOT) {
        throw StoreError(Errc::no_space, name_ + ": the server's disk is full");
      }
      throw StoreError(Errc::internal, name_ + ": " + e.what());
    }
    co_return;
  }

  asio::awaitable<proto::FileInfo> publish(std::string xxh3) override {
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) throw StoreError(Errc::internal, errno_text(name_ + ": fstat"));
    if (fsync_ && ::fsync(fd_.get()) != 0) {
      throw StoreError(errno == ENOSPC ? Errc::no_space : Errc::internal, errno_text(name_ + ": fsync"));
    }
    // RENAME_NOREPLACE fails with EEXIST if the name appeared meanwhile: of two
    // racing uploads exactly one wins. Filesystems without it (FUSE, CephFS
    // via ceph-fuse: EINVAL) get linkat, which is just as exclusive; never a
    // plain rename, which would replace. A crash between linkat and unlink
    // leaves a second link under the temporary's name: the sweep removes it.
    int rc = ::renameat2(root_fd_, temp_name_.c_str(), root_fd_, name_.c_str(), RENAME_NOREPLACE);
    if (rc != 0 && (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
      rc = ::linkat(root_fd_, temp_name_.c_str(), root_fd_, name_.c_str(), 0);
      if (rc == 0) ::unlinkat(root_fd_, temp_name_.c_str(), 0);
    }
    if (rc != 0) {
      if (errno == EEXIST) throw StoreError(Errc::exists, name_ + ": already exists on the server");
      throw StoreError(Errc::internal, errno_text(name_ + ": cannot publish"));
    }
    done_ = true;
    // Recorded once published (the rename moved ctime), so a get of the new file never hashes it.
    if (!xxh3.empty()) hashes_.remember(fd_.get(), xxh3);
    fd_.reset();
    if (fsync_) ::fsync(root_fd_);
    proto::FileInfo info = info_from_stat(name_, st);
    info.xxh3 = std::move(xxh3);
    co_return info;
  }

 private:
  int root_fd_;
  bool fsync_;
  ChecksumService& hashes_;
  std::string name_;
  std::string temp_name_;
  UniqueFd fd_;
  bool done_ = false;
};

class LocalDirStore final : public Storage {
 public:
  explicit LocalDirStore(const LocalStoreOptions& options)
      : root_(options.root), fsync_(options.fsync), hashes_(options.checksums) {
    root_fd_.reset(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd_) throw std::runtime_error(errno_text("cannot open root " + root_.string()));
  }

  // Claims the root (root_claim.hpp), then sweeps what no live server owns.
  int claim_and_sweep(bool shared, const std::string& node_id) {
    claim_.emplace(root_fd_.get(), root_.string(), shared, node_id);
    return claim_->sweep(root_fd_.get());
  }

  asio::awaitable<bool> list(std::string prefix, std::uint64_t limit, const ListingSink& sink) const override {
    // Names come in batches of bounded size (root_name_batches.hpp); only those
    // returned, and one more to learn whether the listing is truncated, are stat-ed.
    std::uint64_t listed = 0;
    std::optional<std::string> after;
    for (;;) {
      std::size_t wanted = limit == 0 ? SIZE_MAX : static_cast<std::size_t>(std::min<std::uint64_t>(limit - listed + 1, SIZE_MAX));
      NameBatch batch = root_names_after(root_fd_.get(), prefix, after, wanted, kListBatchBytes);
      for (const auto& name : batch.names) {
        std::optional<proto::FileInfo> entry = listed_entry(name);
        if (!entry) continue;
        if (limit != 0 && listed == limit) co_return true;
        sink(*entry);
        ++listed;
      }
      if (!batch.more || batch.names.empty()) co_return false;
      after = std::move(batch.names.back());
    }
  }

  asio::awaitable<proto::FileInfo> stat(std::string name) const override {
    auto file = co_await open_file(name);
    co_return file->info();
  }

  asio::awaitable<std::unique_ptr<StoredFile>> open(std::string name) const override {
    co_return co_await open_file(name);
  }

  void cancel_work() const override { hashes_.cancel(); }
  void join_work() const override { hashes_.join(); }

  asio::awaitable<void> check_upload(std::string name, std::uint64_t size) const override {
    check_free(name, size);
    co_return;
  }

  asio::awaitable<std::unique_ptr<UploadSink>> begin_upload(std::string name, std::uint64_t size) const override {
    check_free(name, size);
    for (int attempt = 0; attempt < 8; ++attempt) {
      std::string temp = std::string(kTempPrefix) + claim_->node_id() + "." + random_suffix();
      int fd = ::openat(root_fd_.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd >= 0) co_return std::make_unique<LocalUpload>(root_fd_.get(), fsync_, hashes_, name, std::move(temp), UniqueFd(fd));
      if (errno != EEXIST) {
        if (errno == ENOSPC || errno == EDQUOT) throw StoreError(Errc::no_space, name + ": no space for a temporary file");
        throw StoreError(Errc::internal, errno_text("cannot create a temporary file"));
      }
    }
    throw StoreError(Errc::internal, "cannot create a unique temporary file");
  }

 private:
  // The checksum comes from the xattr, the memory cache, or a hash on the
  // worker pool; this coroutine waits for it without holding an I/O thread.
  asio::awaitable<std::unique_ptr<LocalStoredFile>> open_file(std::string name) const {
    require_valid_name(name);
    UniqueFd fd = open_regular_file(root_fd_.get(), name);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw StoreError(Errc::internal, errno_text(name + ": fstat"));
    proto::FileInfo info = info_from_stat(name, st);
    info.xxh3 = co_await hashes_.checksum(fd.get(), st, name);
    co_return std::make_unique<LocalStoredFile>(std::move(fd), std::move(info));
  }

  // The per-entry step of a listing: what is listed of one picked name, or
  // nothing when it is not a regular file (a directory, link, FIFO, device, or
  // gone since it was read). Nothing is opened.
  std::optional<proto::FileInfo> listed_entry(const std::string& name) const {
    struct stat st {};
    if (::fstatat(root_fd_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return info_from_stat(name, st);
  }

  // A valid name, not taken, and room for `size` bytes (statvfs).
  void check_free(const std::string& name, std::uint64_t size) const {
    require_valid_name(name);
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

  std::filesystem::path root_;
  UniqueFd root_fd_;
  bool fsync_;
  std::optional<RootClaim> claim_;  // held for the store's life
  mutable ChecksumService hashes_;
};

}  // namespace

OpenedLocalStore open_local_store(const LocalStoreOptions& options) {
  auto store = std::make_unique<LocalDirStore>(options);
  int removed = store->claim_and_sweep(options.shared, options.node_id);
  return {std::move(store), removed};
}

}  // namespace imgsh::server
