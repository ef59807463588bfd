#include "server/local_upload.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>

#include "protocol/fd_io.hpp"
#include "server/exclusive_rename.hpp"
#include "server/streaming_validation.hpp"

namespace imgsh::server {
namespace {

using proto::Errc;

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// Bytes go into a hidden temporary in the root; publish renames it to its
// name with RENAME_NOREPLACE. Destroyed unpublished, it unlinks the temporary.
class LocalUpload final : public UploadSink {
 public:
  LocalUpload(int root_fd, bool fsync, ChecksumService& hashes, ImageValidator& validator,
              ImageFactsService& facts_service, std::string name, std::string temp_name, UniqueFd fd,
              ResumableTemp resumable)
      : resumable_(resumable),
        written_(resumable.held),
        keep_if_cut_(resumable.kept != nullptr),
        root_fd_(root_fd),
        fsync_(fsync),
        hashes_(hashes),
        validator_(validator),
        facts_service_(facts_service),
        name_(std::move(name)),
        temp_name_(std::move(temp_name)),
        fd_(std::move(fd)) {}
  LocalUpload(const LocalUpload&) = delete;
  LocalUpload& operator=(const LocalUpload&) = delete;
  ~LocalUpload() override {
    if (streaming_) streaming_->abandon();
    fd_.reset();
    if (resumable_.kept) {
      using End = KeptUploads::End;
      resumable_.kept->release(temp_name_, done_ ? End::published : keep_if_cut_ ? End::keep : End::drop, written_);
      return;
    }
    if (done_) return;
    ::unlinkat(root_fd_, temp_name_.c_str(), 0);
  }

  std::uint64_t held() const override { return resumable_.held; }

  asio::awaitable<proto::Xxh3Hasher> hash_held() override {
    co_return co_await resumable_.kept->hash_prefix(fd_.get(), resumable_.held, name_);
  }

  void keep_if_cut(bool keep) override { keep_if_cut_ = keep && resumable_.kept; }

  asio::awaitable<void> write(std::span<const std::uint8_t> bytes) override {
    try {
      proto::write_all(fd_.get(), bytes);
      written_ += bytes.size();
      if (streaming_) streaming_->grew(written_);
    } catch (const std::system_error& e) {
      if (e.code().value() == ENOSPC || e.code().value() == EDQUOT) {
        throw StoreError(Errc::no_space, name_ + ": the server's disk is full");
      }
      throw StoreError(Errc::internal, name_ + ": " + e.what());
    }
    co_return;
  }

  void validate_while_writing(const proto::ImageLimits& limits, std::chrono::steady_clock::duration stall_limit) override {
    streaming_ = validator_.check_while_written(fd_.get(), name_, limits, stall_limit);
  }

  asio::awaitable<proto::ImageFacts> validate(const proto::ImageLimits& limits) override {
    proto::ImageCheck check;
    if (streaming_) {
      streaming_->complete();
      check = co_await streaming_->verdict();
    } else {
      check = co_await validator_.check(fd_.get(), name_, limits);
    }
    if (check.problem) throw StoreError(check.problem->code, check.problem->message);
    facts_ = check.facts;
    co_return check.facts;
  }

  asio::awaitable<proto::FileInfo> publish(std::string xxh3, std::int64_t mtime) override {
    if (mtime != 0) {
      struct timespec times[2] = {{0, UTIME_NOW}, {static_cast<time_t>(mtime), 0}};
      if (::futimens(fd_.get(), times) != 0) throw StoreError(Errc::internal, errno_text(name_ + ": futimens"));
    }
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) throw StoreError(Errc::internal, errno_text(name_ + ": fstat"));
    if (fsync_ && ::fsync(fd_.get()) != 0) {
      throw StoreError((errno == ENOSPC || errno == EDQUOT) ? Errc::no_space : Errc::internal, errno_text(name_ + ": fsync"));
    }
    // Fails with EEXIST if the name appeared meanwhile: of two racing
    // uploads exactly one wins (exclusive_rename.hpp).
    if (int err = rename_exclusive(root_fd_, temp_name_.c_str(), name_.c_str()); err != 0) {
      if (err == EEXIST) throw StoreError(Errc::exists, name_ + ": already exists on the server");
      errno = err;
      throw StoreError(Errc::internal, errno_text(name_ + ": cannot publish"));
    }
    done_ = true;
    // Recorded once published (the rename moved ctime), so a get of the new file never hashes it.
    if (!xxh3.empty()) hashes_.remember(fd_.get(), xxh3);
    // What validate() found goes into the facts cache, keyed by the published file as it
    // is now (the rename and the checksum xattr moved its ctime), so the first listing
    // after the put does not read the file again.
    if (struct stat now {}; facts_ && ::fstat(fd_.get(), &now) == 0) facts_service_.remember(file_key(now), facts_);
    fd_.reset();
    if (fsync_) ::fsync(root_fd_);
    proto::FileInfo info{name_, static_cast<std::uint64_t>(st.st_size), static_cast<std::int64_t>(st.st_mtime)};
    info.xxh3 = std::move(xxh3);
    co_return info;
  }

 private:
  ResumableTemp resumable_;  // kept: a resumable upload's (its temporary goes back there)
  std::uint64_t written_ = 0;  // the temporary's size: the bytes held before, and those written since
  bool keep_if_cut_ = false;   // destroyed unpublished: keep the temporary for a resume
  int root_fd_;
  bool fsync_;
  ChecksumService& hashes_;
  ImageValidator& validator_;
  ImageFactsService& facts_service_;
  std::shared_ptr<StreamingValidation> streaming_;  // decoding behind the writes, when started
  std::optional<proto::ImageFacts> facts_;
  std::string name_;
  std::string temp_name_;
  UniqueFd fd_;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<UploadSink> make_local_upload(int root_fd, bool fsync, ChecksumService& hashes, ImageValidator& validator,
                                              ImageFactsService& facts_service, std::string name, std::string temp_name,
                                              UniqueFd fd, ResumableTemp resumable) {
  return std::make_unique<LocalUpload>(root_fd, fsync, hashes, validator, facts_service, std::move(name),
                                       std::move(temp_name), std::move(fd), resumable);
}

}  // namespace imgsh::server
