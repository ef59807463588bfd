#include "shell/file_commands.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shell/local_files.hpp"
#include "shell/progress_bar.hpp"
#include "shell/remote_op.hpp"
#include "shell/resume_get.hpp"
#include "shell/resume_put.hpp"
#include "shell/same_content.hpp"
#include "shell/shell_quote.hpp"
#include "shell/stdin_spool.hpp"

namespace imgsh::shell {
namespace {

// put - NAME to a server without a file size limit: stdin is spooled up to this.
constexpr std::uint64_t kMaxStdinSpool = 64ull << 30;

// MiB/s, as the progress bar (human_size) counts: one unit convention for rates.
std::string rate_text(std::uint64_t bytes, std::chrono::steady_clock::duration elapsed) {
  double seconds = std::chrono::duration<double>(elapsed).count();
  char buf[64];
  if (bytes < (1u << 20) || seconds < 0.0005) {
    std::snprintf(buf, sizeof buf, "in %.3f s", seconds);
  } else {
    std::snprintf(buf, sizeof buf, "in %.3f s (%.1f MiB/s)", seconds, static_cast<double>(bytes) / seconds / (1024.0 * 1024.0));
  }
  return buf;
}

// --json: what a transfer moved, as numbers.
void attach_transfer(ShellContext& ctx, std::uint64_t bytes, std::chrono::steady_clock::duration elapsed) {
  ctx.reporter.attach("bytes", bytes);
  ctx.reporter.attach("seconds", std::chrono::duration<double>(elapsed).count());
}

// An `exists` refusal says how to go on: give the copy another name.
template <class F>
auto hint_on_exists(std::string_view hint, F&& run) {
  try {
    return run();
  } catch (const proto::ProtocolError& e) {
    if (e.code() != proto::Errc::exists) throw;
    throw proto::ProtocolError(e.code(), std::string(e.what()) + " (" + std::string(hint) + ")");
  }
}

// get NAME -: the bytes are the data on stdout; the report goes to stderr as ever.
std::string get_to_stdout(ShellContext& ctx, const std::string& name) {
  auto start = std::chrono::steady_clock::now();
  std::uint64_t size = ctx.progress ? ctx.client.stat(name).size : 0;
  std::optional<ProgressBar> bar(std::in_place, name, size, ctx.progress);
  std::fflush(stdout);
  auto info = ctx.client.get(name, STDOUT_FILENO, [&bar](std::uint64_t done) { bar->update(done); });
  bar.reset();
  attach_transfer(ctx, info.size, std::chrono::steady_clock::now() - start);
  return "wrote " + std::to_string(info.size) + " bytes to stdout " +
         rate_text(info.size, std::chrono::steady_clock::now() - start);
}

}  // namespace

bool get_file(ShellContext& ctx, const std::string& name, const std::string& local_arg, const TransferFlags& flags) {
  return remote_op(ctx, "get", name, [&] {
    check_remote_name(name);
    if (local_arg == "-") return get_to_stdout(ctx, name);
    std::string path = download_path(name, local_arg);
    if (flags.skip_same && local_has_remote_content(ctx.client, path, name)) {
      return "already here: " + shell_quote(path) + " has the same content (xxh3)";
    }
    if (flags.resume) return resume_get(ctx, name, path, flags.preserve_time);
    Download download = hint_on_exists("get REMOTE NEWNAME saves it under another name", [&] { return Download(path); });
    auto start = std::chrono::steady_clock::now();
    // A bar needs the size before the bytes: one stat round trip, at a terminal only
    // (stored files never change: names are never overwritten).
    std::uint64_t size = ctx.progress ? ctx.client.stat(name).size : 0;
    std::optional<ProgressBar> bar(std::in_place, name, size, ctx.progress);
    auto info = get_keeping_partial(download, path, [&](proto::FileInfo& announced) {
      return ctx.client.get(name, download.fd(), [&bar](std::uint64_t done) { bar->update(done); },
                            GetFrom{.announced = &announced});
    });
    bar.reset();
    if (flags.preserve_time) set_modification_time(download.fd(), info.mtime, path);
    download.commit();
    attach_transfer(ctx, info.size, std::chrono::steady_clock::now() - start);
    ctx.reporter.attach("path", path);
    return "saved " + std::to_string(info.size) + " bytes to " + shell_quote(path) + " " +
           rate_text(info.size, std::chrono::steady_clock::now() - start);
  });
}

bool put_file(ShellContext& ctx, const std::string& path, const std::string& name, const TransferFlags& flags) {
  return remote_op(ctx, "put", name, [&] {
    UniqueFd spooled;
    std::string source = path;
    if (path == "-") {
      check_remote_name(name);
      std::uint64_t bound = ctx.client.limits().max_file_size ? ctx.client.limits().max_file_size : kMaxStdinSpool;
      spooled = spool_stdin(bound);
      source = "/proc/self/fd/" + std::to_string(spooled.get());
    }
    UploadSource src = open_upload_source(source, name);
    if (flags.skip_same && remote_has_local_content(ctx.client, source, name)) {
      return std::string("already there: the stored file has the same content (xxh3)");
    }
    if (flags.resume) return resume_put(ctx, src, name, flags);
    auto start = std::chrono::steady_clock::now();
    ProgressBar bar(name, src.size, ctx.progress);
    auto info = hint_on_exists("put LOCAL NEWNAME stores it under another name", [&] {
      return ctx.client.put(name, src.fd.get(), src.size, [&bar](std::uint64_t done) { bar.update(done); },
                            flags.preserve_time ? modification_time(src.fd.get()) : 0);
    });
    attach_transfer(ctx, info.size, std::chrono::steady_clock::now() - start);
    return "stored " + std::to_string(info.size) + " bytes " +
           rate_text(info.size, std::chrono::steady_clock::now() - start);
  });
}

}  // namespace imgsh::shell
