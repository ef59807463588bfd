#include "shell/resume_get.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "protocol/checksum.hpp"
#include "protocol/unique_fd.hpp"
#include "shell/partial_file.hpp"
#include "shell/progress_bar.hpp"
#include "shell/shell_quote.hpp"

namespace imgsh::shell {
namespace {

using proto::Errc;

[[noreturn]] void fail_local(const std::string& path) {
  int err = errno;
  if (err == EEXIST) throw LocalError(Errc::exists, path + ": a local file of that name exists; not overwritten");
  throw LocalError(Errc::internal, path + ": " + std::strerror(err));
}

std::uint64_t size_of(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

// The first `size` bytes of the partial, hashed: the start of the whole file's checksum.
void hash_prefix(int fd, std::uint64_t size, proto::Xxh3Hasher& hasher, const std::string& path) {
  std::vector<std::uint8_t> buffer(1 << 20);
  std::uint64_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, buffer.data(), std::min<std::uint64_t>(buffer.size(), size - done), static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail_local(path);
    hasher.update({buffer.data(), static_cast<std::size_t>(n)});
    done += static_cast<std::uint64_t>(n);
  }
}

bool is_checksum_mismatch() {
  try {
    throw;
  } catch (const proto::ProtocolError& e) {
    return e.code() == Errc::checksum_mismatch;
  } catch (...) {
    return false;
  }
}

}  // namespace

std::string resume_get(ShellContext& ctx, const std::string& name, const std::string& path, bool preserve_time) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    errno = EEXIST;
    fail_local(path);
  }
  auto start = std::chrono::steady_clock::now();
  proto::FileInfo remote = ctx.client.stat(name);
  // A partial of other content (the remote file was replaced since) is not continued.
  std::string note;
  std::string partial = partial_path(path, remote.xxh3);
  for (const KeptPartial& kept : kept_partials(path)) {
    if (kept.xxh3 == remote.xxh3 && kept.size <= remote.size) continue;
    ::unlink(kept.path.c_str());
    note = "; removed " + shell_quote(kept.path) + ", kept for other content (xxh3 " + kept.xxh3 + "), and started over";
  }
  UniqueFd fd(::open(partial.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd) fail_local(partial);
  std::uint64_t offset = size_of(fd.get());
  proto::Xxh3Hasher hasher;
  hash_prefix(fd.get(), offset, hasher, partial);
  if (::lseek(fd.get(), static_cast<off_t>(offset), SEEK_SET) < 0) fail_local(partial);

  std::optional<ProgressBar> bar(std::in_place, name, remote.size, ctx.progress);
  proto::FileInfo announced;
  proto::FileInfo info;
  try {
    info = ctx.client.get(name, fd.get(), [&bar](std::uint64_t done) { bar->update(done); },
                          GetFrom{offset, &hasher, &announced});
  } catch (...) {
    bar.reset();
    if (is_checksum_mismatch() || size_of(fd.get()) == 0) {  // wrong bytes, or none: keep nothing
      ::unlink(partial.c_str());
      throw;
    }
    rethrow_noting(kept_note(size_of(fd.get()), partial));
  }
  bar.reset();
  if (preserve_time) set_modification_time(fd.get(), info.mtime, path);
  if (::fsync(fd.get()) != 0) fail_local(partial);
  if (::link(partial.c_str(), path.c_str()) != 0) fail_local(path);
  ::unlink(partial.c_str());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char timing[64];
  std::snprintf(timing, sizeof timing, " in %.3f s", seconds);
  ctx.reporter.attach("bytes", info.size - offset);
  ctx.reporter.attach("seconds", seconds);
  ctx.reporter.attach("path", path);
  return "saved " + std::to_string(info.size) + " bytes to " + shell_quote(path) + ", " + std::to_string(offset) +
         " of them kept from before, " + std::to_string(info.size - offset) + " received" + timing + note;
}

proto::FileInfo get_keeping_partial(Download& download, const std::string& path,
                                    const std::function<proto::FileInfo(proto::FileInfo& announced)>& get) {
  proto::FileInfo announced;
  try {
    return get(announced);
  } catch (...) {
    bool kept = false;
    std::rethrow_exception(keep_partial_after(download, path, announced.xxh3, std::current_exception(), kept));
  }
}

std::exception_ptr keep_partial_after(Download& download, const std::string& path, const std::string& xxh3,
                                      std::exception_ptr why, bool& kept) {
  kept = false;
  try {
    std::rethrow_exception(why);
  } catch (...) {
    if (xxh3.empty() || is_checksum_mismatch() || size_of(download.fd()) == 0) return why;
    std::uint64_t size = size_of(download.fd());
    std::string partial = partial_path(path, xxh3);
    // An older partial of the same content with more bytes stays.
    for (const KeptPartial& old : kept_partials(path)) {
      if (old.xxh3 == xxh3 && old.size >= size) return why;
    }
    if (!download.keep_as(partial)) return why;
    kept = true;
    try {
      rethrow_noting(kept_note(size, partial));
    } catch (...) {
      return std::current_exception();
    }
  }
}

}  // namespace imgsh::shell
