#include "server/local_dir_store.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <optional>
#include <random>

#include "protocol/fd_io.hpp"
#include "protocol/names.hpp"
#include "protocol/unique_fd.hpp"
#include "server/checksum_service.hpp"
#include "server/exclusive_rename.hpp"
#include "server/file_sender.hpp"
#include "server/header_gate.hpp"
#include "server/image_validation.hpp"
#include "server/local_upload.hpp"
#include "server/open_file_cache.hpp"
#include "server/regular_file.hpp"
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

// The open file may be shared with other gets through the open-file cache.
class LocalStoredFile final : public StoredFile {
 public:
  explicit LocalStoredFile(std::shared_ptr<const OpenFile> file) : file_(std::move(file)) {}
  const proto::FileInfo& info() const override { return file_->info; }
  int fd() const { return file_->fd.get(); }

  asio::awaitable<void> send(proto::NetStream& stream, std::string_view head, bool more_follows,
                             std::uint64_t offset) override {
    try {
      co_await send_head_and_file(stream, head, fd(), offset, info().size - offset, more_follows);
    } catch (const proto::ProtocolError& e) {
      // The header promised more bytes than the file now has: the frame
      // cannot be completed, so the connection must end (the client keeps nothing).
      throw std::runtime_error(info().name + ": " + e.what());
    }
  }

 private:
  std::shared_ptr<const OpenFile> file_;
};

// Listed entries wait for their image facts in chunks of at most this many.
constexpr std::size_t kFactsChunk = 256;

class LocalDirStore final : public Storage {
 public:
  explicit LocalDirStore(const LocalStoreOptions& options)
      : root_(options.root), fsync_(options.fsync), hashes_(options.checksums), thumbs_(options.thumbnails),
        // As many puts decoded while their bodies stream as --worker-threads has workers.
        validator_(ImageValidationOptions{.streaming_workers = options.checksums.workers}),
        facts_(options.facts), open_files_(!options.shared) {
    root_fd_.reset(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd_) throw std::runtime_error(errno_text("cannot open root " + root_.string()));
    kept_.emplace(root_fd_.get(), options.resume);
  }

  // Claims the root (root_claim.hpp), then sweeps what no live server owns; this
  // node's kept uploads (upload_resume.hpp) stay while their window lasts.
  int claim_and_sweep(bool shared, const std::string& node_id) {
    claim_.emplace(root_fd_.get(), root_.string(), shared, node_id);
    return claim_->sweep(root_fd_.get(), [&](const std::string& temp) { return adopt_kept(temp, node_id, shared); });
  }

  asio::awaitable<bool> list(std::string prefix, std::uint64_t limit, const ListingSink& sink) const override {
    // Names come in batches of bounded size (root_name_batches.hpp); only those
    // returned, and one more to learn whether the listing is truncated, are stat-ed.
    // Entries reach the sink in chunks, each with its image facts (send_with_facts).
    std::uint64_t listed = 0;
    std::optional<std::string> after;
    std::vector<ListedEntry> pending;
    for (;;) {
      std::size_t wanted = limit == 0 ? SIZE_MAX : static_cast<std::size_t>(std::min<std::uint64_t>(limit - listed + 1, SIZE_MAX));
      NameBatch batch = root_names_after(root_fd_.get(), prefix, after, wanted, kListBatchBytes);
      for (const auto& name : batch.names) {
        std::optional<ListedEntry> entry = listed_entry(name);
        if (!entry) continue;
        if (limit != 0 && listed == limit) {
          co_await send_with_facts(pending, sink);
          co_return true;
        }
        pending.push_back(std::move(*entry));
        ++listed;
        if (pending.size() >= kFactsChunk) co_await send_with_facts(pending, sink);
      }
      if (!batch.more || batch.names.empty()) {
        co_await send_with_facts(pending, sink);
        co_return false;
      }
      after = std::move(batch.names.back());
    }
  }

  // A listed entry and the key of the stat that found it (for its image facts).
  struct ListedEntry {
    proto::FileInfo info;
    FileKey key;
  };

  // Fills the image facts of `entries` (keyed by the listing's own stat), hands each to
  // `sink` in order, and empties it.
  asio::awaitable<void> send_with_facts(std::vector<ListedEntry>& entries, const ListingSink& sink) const {
    std::vector<FactsRequest> requests;
    requests.reserve(entries.size());
    for (const auto& entry : entries) requests.push_back({entry.info.name, entry.key});
    auto facts = co_await facts_.lookup(root_fd_.get(), std::move(requests));
    for (std::size_t i = 0; i < entries.size(); ++i) {
      entries[i].info.image = std::move(facts[i]);
      sink(entries[i].info);
    }
    entries.clear();
  }


  asio::awaitable<proto::FileInfo> stat(std::string name) const override {
    auto file = co_await open_file(name);
    proto::FileInfo info = file->info();
    struct stat st {};
    if (::fstat(file->fd(), &st) == 0) {
      std::vector<FactsRequest> one;
      one.push_back({name, file_key(st)});
      auto facts = co_await facts_.lookup(root_fd_.get(), std::move(one));
      info.image = std::move(facts.front());
    }
    co_return info;
  }



  asio::awaitable<std::unique_ptr<StoredFile>> open(std::string name) const override {
    co_return co_await open_file(name);
  }

  asio::awaitable<void> remove(std::string name) const override {
    require_valid_name(name);
    require_regular_entry(name);
    // Between the check and the unlink the name may change hands. Another regular file
    // under it (deleted and put again, renamed onto) is removed: the client asked for the
    // name, and that order of the racing requests is a valid one. A directory swapped in
    // fails EISDIR, which is not_found as at the check. A symbolic link or special file
    // swapped in could be unlinked (the link, never its target), but only by whoever can
    // write the root, who may unlink it anyway: Linux has no unlink by descriptor.
    if (::unlinkat(root_fd_.get(), name.c_str(), 0) != 0) {
      if (errno == ENOENT || errno == EISDIR) throw not_stored(name);
      throw StoreError(Errc::internal, errno_text(name + ": cannot delete"));
    }
    open_files_.forget(name);  // its descriptor would keep the deleted file's blocks
    if (fsync_) ::fsync(root_fd_.get());
    co_return;
  }

  asio::awaitable<proto::FileInfo> rename(std::string from, std::string to) const override {
    require_valid_name(from);
    require_valid_name(to);
    if (proto::kind_from_extension(from) != proto::kind_from_extension(to)) {
      throw StoreError(Errc::not_an_image, to + ": promises another image kind than " + from + " holds");
    }
    UniqueFd fd = open_regular_file(root_fd_.get(), from);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw StoreError(Errc::internal, errno_text(from + ": fstat"));
    std::optional<std::string> xxh3 = hashes_.known(fd.get(), st);
    if (int err = rename_exclusive(root_fd_.get(), from.c_str(), to.c_str()); err != 0) {
      if (err == EEXIST) throw StoreError(Errc::exists, to + ": already exists on the server");
      if (err == ENOENT) throw not_stored(from);
      errno = err;
      throw StoreError(Errc::internal, errno_text(from + ": cannot rename"));
    }
    open_files_.forget(from);
    // The rename moved ctime, which voids the cached checksum: record it again
    // rather than hash the whole file at the next get.
    if (xxh3) hashes_.remember(fd.get(), *xxh3);
    if (fsync_) ::fsync(root_fd_.get());
    if (::fstat(fd.get(), &st) != 0) throw StoreError(Errc::internal, errno_text(to + ": fstat"));
    proto::FileInfo info = info_from_stat(to, st);
    info.xxh3 = xxh3.value_or("");
    co_return info;
  }


  asio::awaitable<std::shared_ptr<const proto::Thumbnail>> thumbnail(std::string name, std::uint32_t edge) const override {
    require_valid_name(name);
    UniqueFd fd = open_regular_file(root_fd_.get(), name);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw StoreError(Errc::internal, errno_text(name + ": fstat"));
    co_return co_await thumbs_.thumbnail(fd.get(), st, name, edge);
  }

  void cancel_work() const override {
    kept_->cancel();
    hashes_.cancel();
    thumbs_.cancel();
    validator_.cancel();
    facts_.cancel();
  }
  void join_work() const override {
    kept_->join();
    hashes_.join();
    thumbs_.join();
    validator_.join();
    facts_.join();
  }

  asio::awaitable<void> check_upload(std::string name, std::uint64_t size) const override {
    check_free(name, size);
    co_return;
  }

  asio::awaitable<std::unique_ptr<UploadSink>> begin_upload(std::string name, std::uint64_t size) const override {
    check_free(name, size);
    for (int attempt = 0; attempt < 8; ++attempt) {
      std::string temp = std::string(kTempPrefix) + claim_->node_id() + "." + random_suffix();
      int fd = ::openat(root_fd_.get(), temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd >= 0) co_return make_local_upload(root_fd_.get(), fsync_, hashes_, validator_, facts_, name, std::move(temp), UniqueFd(fd));
      if (errno != EEXIST) {
        if (errno == ENOSPC || errno == EDQUOT) throw StoreError(Errc::no_space, name + ": no space for a temporary file");
        throw StoreError(Errc::internal, errno_text("cannot create a temporary file"));
      }
    }
    throw StoreError(Errc::internal, "cannot create a unique temporary file");
  }

  asio::awaitable<std::unique_ptr<UploadSink>> begin_resumable_upload(std::string name, std::uint64_t size,
                                                                      std::string xxh3) const override {
    if (!kept_->enabled()) co_return co_await begin_upload(std::move(name), size);
    check_free(name, size);
    std::string temp = resume_temp_name(claim_->node_id(), name, size, xxh3);
    if (!kept_->take(temp)) {
      throw StoreError(Errc::busy, name + ": an upload of the same file is in progress; try again when it ends");
    }
    UniqueFd fd(::openat(root_fd_.get(), temp.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
      int err = errno;
      kept_->release(temp, KeptUploads::End::published, 0);  // not ours to remove
      if (err == ENOSPC || err == EDQUOT) throw StoreError(Errc::no_space, name + ": no space for a temporary file");
      errno = err;
      throw StoreError(Errc::internal, errno_text("cannot open a kept upload"));
    }
    auto held = static_cast<std::uint64_t>(st.st_size);
    if (held > size && ::ftruncate(fd.get(), 0) == 0) held = 0;  // cannot be its prefix
    if (::lseek(fd.get(), static_cast<off_t>(held), SEEK_SET) < 0) {
      kept_->release(temp, KeptUploads::End::drop, 0);
      throw StoreError(Errc::internal, errno_text("cannot seek a kept upload"));
    }
    co_return make_local_upload(root_fd_.get(), fsync_, hashes_, validator_, facts_, name, std::move(temp),
                                std::move(fd), ResumableTemp{&*kept_, held});
  }

 private:
  // The start-up sweep's question for each temporary: a kept upload, still in its window,
  // of this node (shared root), or of any earlier server (exclusive root: renamed to this
  // node's name, which a restart on another port changes)? Then it stays, handed to kept_
  // (which removes it when the window ends).
  bool adopt_kept(const std::string& temp, const std::string& node_id, bool shared) const {
    std::string_view key = resume_key_of(temp);
    if (!kept_->enabled() || key.empty()) return false;
    std::string mine = resume_temp_name(node_id, key);
    if (shared && temp != mine) return false;
    struct stat st {};
    if (::fstatat(root_fd_.get(), temp.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) return false;
    auto written = std::chrono::system_clock::from_time_t(st.st_mtime);
    if (written + kept_->window() <= std::chrono::system_clock::now() || st.st_size == 0) return false;
    if (temp != mine && rename_exclusive(root_fd_.get(), temp.c_str(), mine.c_str()) != 0) return false;
    kept_->adopt(mine, written, static_cast<std::uint64_t>(st.st_size));
    return true;
  }

  // The checksum comes from the xattr, the memory cache, or a hash on the
  // worker pool; this coroutine waits for it without holding an I/O thread.
  asio::awaitable<std::unique_ptr<LocalStoredFile>> open_file(std::string name) const {
    require_valid_name(name);
    // A small file served a moment ago, unchanged since: one fstatat (open_file_cache.hpp).
    if (open_files_.holds(name)) {
      struct stat now {};
      if (::fstatat(root_fd_.get(), name.c_str(), &now, AT_SYMLINK_NOFOLLOW) != 0) {
        open_files_.forget(name);
      } else if (auto kept = open_files_.find(name, now)) {
        co_return std::make_unique<LocalStoredFile>(std::move(kept));
      }
    }
    auto file = std::make_shared<OpenFile>();
    struct stat st {};
    file->fd = open_regular_file(root_fd_.get(), name, &st);
    if (!gate_.admits(file->fd.get(), name, st)) throw not_stored(name);  // not an image header: as if absent
    file->info = info_from_stat(name, st);
    file->info.xxh3 = co_await hashes_.checksum(file->fd.get(), st, name);
    file->key = file_key(st);
    open_files_.keep(file);
    co_return std::make_unique<LocalStoredFile>(std::move(file));
  }

  // Only a regular file is a stored file: a directory, link, FIFO or device
  // under an image name is not_found, and never removed.
  void require_regular_entry(const std::string& name) const {
    struct stat st {};
    if (::fstatat(root_fd_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) throw not_stored(name);
      throw StoreError(Errc::internal, errno_text(name));
    }
    if (!S_ISREG(st.st_mode)) throw not_stored(name);
  }

  // The per-entry step of a listing: what is listed of one picked name, or
  // nothing when it is not a regular file (a directory, link, FIFO, device, or
  // gone since it was read). Nothing is opened.
  std::optional<ListedEntry> listed_entry(const std::string& name) const {
    struct stat st {};
    if (::fstatat(root_fd_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    if (!gate_.admits_entry(root_fd_.get(), name, st)) return std::nullopt;  // not an image header: not listed
    return ListedEntry{info_from_stat(name, st), file_key(st)};
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
  mutable std::optional<KeptUploads> kept_;  // cut resumable uploads; uses root_fd_
  mutable ChecksumService hashes_;
  mutable ThumbnailService thumbs_;
  mutable ImageValidator validator_;
  mutable HeaderGate gate_;  // only images are listed and served
  mutable ImageFactsService facts_;
  mutable OpenFileCache open_files_;  // small files kept open between gets (exact: keyed by FileKey)
};

}  // namespace

OpenedLocalStore open_local_store(const LocalStoreOptions& options) {
  auto store = std::make_unique<LocalDirStore>(options);
  int removed = store->claim_and_sweep(options.shared, options.node_id);
  return {std::move(store), removed};
}

}  // namespace imgsh::server
