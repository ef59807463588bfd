#include "shell/transfer_batch.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "protocol/names.hpp"
#include "shell/local_files.hpp"
#include "shell/shell_context.hpp"

namespace imgsh::shell {
namespace {

// Requests outstanding at once. Get requests are a few dozen bytes and put
// replies a few hundred, so neither side's socket buffer can fill with what
// the other has not read yet: no deadlock, whatever the file sizes.
constexpr std::size_t kWindow = 32;
// Downloads reach the disk in groups: one syncfs(2) per group instead of one
// fsync(2) per file, then each is linked under its name.
constexpr std::size_t kCommitGroup = 64;

struct Failure {
  std::string code;
  std::string message;
};

// Counts and reports, and turns what a transfer throws into a Failure.
class Tally {
 public:
  Tally(ShellContext& ctx, std::string_view op) : ctx_(ctx), op_(op), start_(std::chrono::steady_clock::now()) {}

  void ok(const std::string& file, std::uint64_t bytes, const std::string& message) {
    ++counts_.ok;
    bytes_ += bytes;
    ctx_.reporter.ok(ctx_.client.server_text(), op_, file, message);
  }
  void fail(const std::string& file, const Failure& f) {
    ++counts_.failed;
    ctx_.reporter.fail(ctx_.client.server_text(), op_, file, f.code, f.message);
  }
  // The current exception as a Failure; marks the connection broken when it is.
  Failure failure() {
    try {
      throw;
    } catch (const proto::ProtocolError& e) {
      if (!ctx_.client.connected()) broken = true;
      return {std::string(proto::to_string(e.code())), e.what()};
    } catch (const ConnectionError& e) {
      broken = true;
      return {"connection_lost", e.what()};
    } catch (const LocalIoError& e) {
      broken = true;
      return {"local_error", e.what()};
    }
  }
  Failure lost() const { return {"connection_lost", "not transferred: the connection to the server was lost"}; }

  BatchCounts finish() {
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    char text[160];
    std::snprintf(text, sizeof text, "%zu files, %llu bytes in %.3f s (%.1f MB/s)", counts_.ok,
                  static_cast<unsigned long long>(bytes_), seconds, seconds > 0 ? static_cast<double>(bytes_) / seconds / 1e6 : 0.0);
    if (counts_.failed == 0) {
      ctx_.reporter.ok(ctx_.client.server_text(), op_, "", text);
    } else {
      ctx_.reporter.fail(ctx_.client.server_text(), op_, "", "incomplete",
                         std::to_string(counts_.failed) + " of " + std::to_string(counts_.ok + counts_.failed) +
                             " files failed; transferred " + text);
    }
    if (broken) ctx_.connection_failed = true;
    return counts_;
  }

  bool broken = false;

 private:
  ShellContext& ctx_;
  std::string_view op_;
  std::chrono::steady_clock::time_point start_;
  BatchCounts counts_;
  std::uint64_t bytes_ = 0;
};

// Connects again if needed; false (broken) when that fails.
void ensure_connected(ShellContext& ctx, Tally& tally) {
  try {
    if (ctx.client.ensure_connected()) std::cerr << "imgsh: reconnected to " << ctx.client.server_text() << "\n";
  } catch (...) {
    std::cerr << "imgsh: " << tally.failure().message << "\n";
    tally.broken = true;
  }
}

struct PendingGet {
  std::string name;
  std::string path;
  std::unique_ptr<Download> download;
  std::optional<Failure> failure;  // refused before its request was sent
  std::uint64_t id = 0;
  std::uint64_t size = 0;
};

}  // namespace

BatchCounts get_batch(ShellContext& ctx, const std::vector<std::string>& names, const std::string& local_dir) {
  Client& client = ctx.client;
  Tally tally(ctx, "get");
  ensure_connected(ctx, tally);
  std::deque<PendingGet> window;
  std::vector<PendingGet> received;  // complete, waiting for their group's syncfs
  auto commit_received = [&] {
    if (received.empty()) return;
    bool synced = ::syncfs(received.front().download->fd()) == 0;
    for (auto& p : received) {
      try {
        p.download->commit(!synced);
        tally.ok(p.name, p.size, "saved " + std::to_string(p.size) + " bytes to " + p.path);
      } catch (const proto::ProtocolError& e) {
        tally.fail(p.name, {std::string(proto::to_string(e.code())), e.what()});
      }
    }
    received.clear();
  };
  std::size_t next = 0;
  while (next < names.size() || !window.empty()) {
    // Top the window up half a window at a time, the requests in one write.
    if (window.size() <= kWindow / 2 && next < names.size()) {
      std::size_t first_new = window.size();
      std::vector<std::string> requests;
      while (next < names.size() && window.size() < kWindow) {
        PendingGet p;
        p.name = names[next++];
        try {
          if (tally.broken) throw ConnectionError("");
          if (auto problem = proto::check_name(p.name)) throw proto::ProtocolError(problem->code, problem->message);
          p.path = download_path(p.name, local_dir);
          p.download = std::make_unique<Download>(p.path);
          requests.push_back(p.name);
        } catch (...) {
          p.failure = tally.broken ? tally.lost() : tally.failure();
        }
        window.push_back(std::move(p));
      }
      try {
        std::uint64_t id = requests.empty() ? 0 : client.send_gets(requests);
        for (std::size_t i = first_new; i < window.size(); ++i) {
          if (!window[i].failure) window[i].id = id++;
        }
      } catch (...) {
        tally.failure();  // broken now: what is in the window fails below
      }
    }
    PendingGet p = std::move(window.front());
    window.pop_front();
    if (!p.failure && tally.broken) p.failure = tally.lost();
    if (!p.failure) {
      try {
        p.size = client.receive_get(p.id, p.download->fd()).size;
        received.push_back(std::move(p));
        if (received.size() >= kCommitGroup) commit_received();
        continue;
      } catch (...) {
        p.failure = tally.failure();
      }
    }
    commit_received();  // reports stay in request order
    tally.fail(p.name, *p.failure);
  }
  commit_received();
  return tally.finish();
}

namespace {

struct PendingPut {
  std::string path;
  std::string name;
  UploadSource source;
  bool announced = false;  // too large to send inline: waits for continue at the head of the window
  std::optional<Failure> failure;
  std::uint64_t id = 0;
  std::uint64_t size = 0;
};

}  // namespace

BatchCounts put_batch(ShellContext& ctx, const std::vector<std::string>& paths) {
  Client& client = ctx.client;
  Tally tally(ctx, "put");
  ensure_connected(ctx, tally);
  std::deque<PendingPut> window;
  std::size_t next = 0;
  while (next < paths.size() || !window.empty()) {
    // Nothing may follow an announced put until its continue: stop filling behind one.
    while (next < paths.size() && window.size() < kWindow && (window.empty() || !window.back().announced)) {
      PendingPut p;
      p.path = paths[next++];
      p.name = std::filesystem::path(p.path).filename().string();
      if (tally.broken) {
        p.failure = tally.lost();
      } else {
        try {
          p.source = open_upload_source(p.path, p.name);
          p.size = p.source.size;
          if (p.size > client.limits().inline_put_max) {
            p.announced = true;
          } else {
            p.id = client.send_inline_put(p.name, p.source.fd.get(), p.size);
            p.source.fd.reset();
          }
        } catch (...) {
          p.failure = tally.failure();
        }
      }
      window.push_back(std::move(p));
    }
    PendingPut p = std::move(window.front());
    window.pop_front();
    if (!p.failure && tally.broken) p.failure = tally.lost();
    if (!p.failure) {
      try {
        proto::FileInfo info = p.announced ? client.put(p.name, p.source.fd.get(), p.size) : client.receive_put(p.id);
        tally.ok(p.name, info.size, "stored " + std::to_string(info.size) + " bytes");
        continue;
      } catch (...) {
        p.failure = tally.failure();
      }
    }
    tally.fail(p.name, *p.failure);
  }
  return tally.finish();
}

}  // namespace imgsh::shell
