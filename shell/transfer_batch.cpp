#include "shell/transfer_batch.hpp"

#include <unistd.h>

#include <deque>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "protocol/names.hpp"
#include "shell/local_files.hpp"
#include "shell/progress_bar.hpp"
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
  Tally(ShellContext& ctx, std::string_view op) : ctx_(ctx), op_(op) {
    ctx_.connection_failed = false;
    ctx_.interrupted = false;
  }

  void ok(const std::string& file, const std::string& message) {
    ++counts_.done;
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
    } catch (const Interrupted&) {
      broken = true;
      ctx_.interrupted = true;
      return {"interrupted", "cancelled; nothing kept, the next command reconnects"};
    }
  }
  Failure lost() const {
    if (ctx_.interrupted) return {"interrupted", "not transferred: cancelled"};
    return {"connection_lost", "not transferred: the connection to the server was lost"};
  }

  TransferCounts finish() {
    if (broken && !ctx_.interrupted) ctx_.connection_failed = true;
    return counts_;
  }

  bool broken = false;

 private:
  ShellContext& ctx_;
  std::string_view op_;
  TransferCounts counts_;
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

TransferCounts get_batch(ShellContext& ctx, const std::vector<TransferItem>& items) {
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
        tally.ok(p.name, "saved " + std::to_string(p.size) + " bytes to " + p.path);
      } catch (const proto::ProtocolError& e) {
        tally.fail(p.name, {std::string(proto::to_string(e.code())), e.what()});
      }
    }
    received.clear();
  };
  std::size_t next = 0;
  while (next < items.size() || !window.empty()) {
    // Top the window up half a window at a time, the requests in one write.
    if (window.size() <= kWindow / 2 && next < items.size()) {
      std::size_t first_new = window.size();
      std::vector<std::string> requests;
      while (next < items.size() && window.size() < kWindow) {
        PendingGet p;
        p.name = items[next].remote_name;
        const std::string& local = items[next++].local_path;
        try {
          if (tally.broken) throw ConnectionError("");
          if (auto problem = proto::check_name(p.name)) throw proto::ProtocolError(problem->code, problem->message);
          p.path = download_path(p.name, local);
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
        std::optional<ProgressBar> bar;
        auto on_header = [&](const proto::FileInfo& info) { bar.emplace(p.name, info.size, ctx.progress); };
        ProgressFn progress = [&](std::uint64_t done) { bar->update(done); };
        p.size = client.receive_get(p.id, p.download->fd(), on_header, progress).size;
        bar.reset();
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

TransferCounts put_batch(ShellContext& ctx, const std::vector<TransferItem>& items) {
  Client& client = ctx.client;
  Tally tally(ctx, "put");
  ensure_connected(ctx, tally);
  std::deque<PendingPut> window;
  std::size_t next = 0;
  while (next < items.size() || !window.empty()) {
    // Nothing may follow an announced put until its continue: stop filling behind one.
    while (next < items.size() && window.size() < kWindow && (window.empty() || !window.back().announced)) {
      PendingPut p;
      p.path = items[next].local_path;
      p.name = items[next++].remote_name;
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
        std::optional<ProgressBar> bar;
        if (p.announced) bar.emplace(p.name, p.size, ctx.progress);
        ProgressFn progress = [&](std::uint64_t done) { bar->update(done); };
        proto::FileInfo info = p.announced ? client.put(p.name, p.source.fd.get(), p.size, progress) : client.receive_put(p.id);
        bar.reset();
        tally.ok(p.name, "stored " + std::to_string(info.size) + " bytes");
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
