#include "server/store_check.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "protocol/checksum.hpp"
#include "protocol/display_text.hpp"
#include "protocol/image_check.hpp"
#include "protocol/names.hpp"
#include "protocol/unique_fd.hpp"
#include "server/checksum_cache.hpp"
#include "server/local_dir_store.hpp"
#include "server/root_claim.hpp"
#include "server/root_entries.hpp"

namespace imgsh::server {
namespace {

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

bool is_server_lock(std::string_view name) {
  return name == kRootLockName || name.starts_with(kNodeLockPrefix);
}

std::optional<std::string> hash_whole(int fd) {
  proto::Xxh3Hasher hasher;
  std::vector<std::uint8_t> buffer(1 << 20);
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buffer.data(), buffer.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) return hasher.hex();
    hasher.update({buffer.data(), static_cast<std::size_t>(n)});
    offset += n;
  }
}

class Walk {
 public:
  Walk(int root_fd, bool fix) : root_fd_(root_fd), fix_(fix) {}

  void entry(const std::string& name) {
    std::string shown = proto::escape_for_display(name);
    struct stat st {};
    if (::fstatat(root_fd_, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;  // gone meanwhile
    if (name.starts_with(kTempPrefix)) return temporaries_.push_back(name);
    if (!S_ISREG(st.st_mode)) return report("odd", shown + ": " + kind_of(st.st_mode) + ", never served");
    if (auto problem = proto::check_name(name)) {
      return report("odd", shown + ": not a stored image name, never served");
    }
    UniqueFd fd(::openat(root_fd_, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd) return report("unreadable", shown + ": " + std::strerror(errno));
    proto::ImageCheck check = proto::check_image_file(fd.get(), name);
    if (check.problem) {
      return report(check.problem->code == proto::Errc::internal ? "unreadable" : "invalid",
                    proto::escape_for_display(check.problem->message));
    }
    cache(fd.get(), shown, st);
  }

  void temporaries() {
    if (temporaries_.empty()) return;
    bool removed = false;
    if (fix_) {
      try {
        // Exclusive: refused while any server holds the root, whose uploads these may be.
        RootClaim claim(root_fd_, ".", false, "check");
        claim.sweep(root_fd_);
        removed = true;
      } catch (const std::exception&) {
      }
    }
    for (const auto& temp : temporaries_) {
      std::string shown = proto::escape_for_display(temp);
      if (removed) {
        out_.lines.push_back("temporary " + shown + ": removed");
      } else {
        report("temporary", shown + (fix_ ? ": kept, a live server holds the root" : ": stray upload temporary"));
      }
    }
  }

  StoreCheckReport done() { return std::move(out_); }

 private:
  void report(const std::string& kind, const std::string& text) {
    out_.lines.push_back(kind + " " + text);
    ++out_.problems;
  }

  // A checksum xattr that no longer matches its file is stale; none at all is fine (the
  // server hashes such a file when first asked).
  void cache(int fd, const std::string& shown, const struct stat& st) {
    if (::fgetxattr(fd, kChecksumXattr, nullptr, 0) < 0) return;
    if (xattr_checksum(fd, st)) return;
    if (!fix_) return report("stale-cache", shown + ": the checksum xattr does not describe the file");
    std::optional<std::string> xxh3 = hash_whole(fd);
    if (xxh3 && record_checksum(fd, *xxh3).in_xattr) {
      out_.lines.push_back("stale-cache " + shown + ": refreshed");
    } else if (::fremovexattr(fd, kChecksumXattr) == 0 || errno == ENODATA) {
      // The entry names ctime, which writing it moves: where that always changes, the
      // server keeps checksums in memory; without a stale entry it hashes when asked.
      out_.lines.push_back("stale-cache " + shown + ": removed (hashed again when first asked)");
    } else {
      report("stale-cache", shown + ": cannot be refreshed: " + std::strerror(errno));
    }
  }

  int root_fd_;
  bool fix_;
  std::vector<std::string> temporaries_;
  StoreCheckReport out_;
};

}  // namespace

StoreCheckReport check_store(const std::filesystem::path& root, bool fix) {
  UniqueFd root_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) throw std::runtime_error("cannot open root " + root.string() + ": " + std::strerror(errno));
  std::vector<std::string> names;
  for_each_root_entry(root_fd.get(), [&](std::string_view name) {
    if (name != "." && name != ".." && !is_server_lock(name)) names.emplace_back(name);
  });
  std::sort(names.begin(), names.end());
  Walk walk(root_fd.get(), fix);
  for (const auto& name : names) walk.entry(name);
  walk.temporaries();
  return walk.done();
}

StoreCheckCommand::StoreCheckCommand(CLI::App& app) {
  check_ = app.add_subcommand("check", "validate every file of a store and report what is wrong (exit 0: clean)");
  check_->add_option("--root", root_, "the store's directory (default: the current directory)")->type_name("DIR");
  check_->add_flag("--fix", fix_, "refresh stale checksum caches, remove stray temporaries no live server owns");
}

int StoreCheckCommand::run() const {
  try {
    StoreCheckReport report = check_store(root_, fix_);
    for (const auto& line : report.lines) std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "imgsrv check: %s: %d problem%s\n", proto::escape_for_display(root_.string()).c_str(),
                 report.problems, report.problems == 1 ? "" : "s");
    return report.problems == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "imgsrv check: %s\n", e.what());
    return 2;
  }
}

}  // namespace imgsh::server
