#include "shell/resume_put.hpp"

#include <sys/stat.h>

#include <chrono>
#include <cstdio>

#include "protocol/checksum.hpp"
#include "shell/client_errors.hpp"
#include "shell/partial_file.hpp"
#include "shell/progress_bar.hpp"

namespace imgsh::shell {
namespace {

std::int64_t mtime_of(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 ? static_cast<std::int64_t>(st.st_mtime) : 0;
}

}  // namespace

std::string resume_put(ShellContext& ctx, UploadSource& source, const std::string& name, const TransferFlags& flags) {
  auto start = std::chrono::steady_clock::now();
  // The whole file's checksum keys what the server kept: only the same content continues.
  std::string xxh3 = proto::xxh3_of_file(source.fd.get(), source.size);
  std::uint64_t resumed_at = 0;
  std::uint64_t sent_to = 0;
  proto::FileInfo info;
  {
    ProgressBar bar(name, source.size, ctx.progress);
    try {
      info = ctx.client.resume_put(name, source.fd.get(), source.size, xxh3, resumed_at,
                                   [&](std::uint64_t done) {
                                     sent_to = done;
                                     bar.update(done);
                                   },
                                   flags.preserve_time ? mtime_of(source.fd.get()) : 0);
    } catch (const Interrupted&) {
      rethrow_noting(" (sent " + human_size(sent_to) + "; the server keeps what arrived for reput)");
    } catch (const ConnectionError&) {  // TimedOut too: a stalled transfer
      rethrow_noting(" (sent " + human_size(sent_to) + "; the server keeps what arrived for reput)");
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ctx.reporter.attach("bytes", info.size - resumed_at);
  ctx.reporter.attach("seconds", seconds);
  ctx.reporter.attach("resumed_at", resumed_at);
  char timing[64];
  std::snprintf(timing, sizeof timing, " in %.3f s", seconds);
  std::string text = "stored " + std::to_string(info.size) + " bytes";
  if (resumed_at == 0) return text + ", nothing kept to resume, all sent" + timing;
  return text + ", resumed at " + human_size(resumed_at) + " (" + std::to_string(resumed_at) + " bytes kept by the server, " +
         std::to_string(info.size - resumed_at) + " sent)" + timing;
}

}  // namespace imgsh::shell
