#include "shell/many_file_commands.hpp"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "shell/client_errors.hpp"
#include "shell/local_files.hpp"
#include "shell/local_paths.hpp"
#include "shell/lost_transfer.hpp"
#include "protocol/checksum.hpp"
#include "shell/progress_bar.hpp"
#include "shell/remote_op.hpp"
#include "protocol/display_text.hpp"
#include "shell/remote_patterns.hpp"
#include "shell/resume_get.hpp"
#include "shell/resume_put.hpp"
#include "shell/same_content.hpp"
#include "shell/shell_quote.hpp"

namespace imgsh::shell {
namespace {

using proto::Errc;

// Downloads reach the disk in groups: one syncfs(2) per group instead of one
// fsync(2) per file, then each is linked under its name.
constexpr std::size_t kCommitGroup = 64;

struct TransferItem {
  std::string remote_name;
  std::string local_path;  // get: a file or directory to save into (empty: the current directory); put: the source
};

struct TransferCounts {
  std::size_t done = 0;
  std::size_t failed = 0;
};

// The report line of each file, and the counts for the final line.
class FileReports {
 public:
  FileReports(ShellContext& ctx, std::string_view op) : ctx_(ctx), op_(op) {
    ctx_.connection_failed = false;
    ctx_.interrupted = false;
  }
  void ok(const std::string& file, const std::string& message) {
    ++counts.done;
    ctx_.reporter.ok(ctx_.client.server_text(), op_, file, message);
  }
  void fail(const std::string& file, const Failure& f) {
    ++counts.failed;
    ctx_.reporter.fail(ctx_.client.server_text(), op_, file, f.code, f.message);
  }
  void fail(const std::string& file, std::exception_ptr why) { fail(file, describe_failure(ctx_, why)); }
  // A connection lost (and not to Ctrl-C) makes the command's exit status 2.
  TransferCounts finish() {
    ctx_.connection_failed = !ctx_.client.connected() && !ctx_.interrupted;
    return counts;
  }
  TransferCounts counts;

 private:
  ShellContext& ctx_;
  std::string_view op_;
};

// Connects again if needed; when that fails every file reports that it was
// not transferred, after one line saying why.
void reconnect_for_many(ShellContext& ctx) {
  try {
    reconnect_if_needed(ctx);
  } catch (const std::exception&) {
    std::cerr << "imgsh: " << proto::escape_for_display(describe_failure(ctx).message) << "\n";
  }
}

// Files a lost connection stopped (or `busy` refused) are tried again after a
// reconnect (through a balancer, to a live node), this many rounds in all; then
// they report why not.
constexpr int kTransferRounds = 3;

// Whether the failure of `item` (an index in `items`) is kept for the next round
// (true) or reported now.
bool keep_for_retry(std::vector<std::size_t>* lost, std::size_t item, std::exception_ptr why) {
  if (lost == nullptr || !worth_retrying(why)) return false;
  lost->push_back(item);
  return true;
}

// The files whose bytes so far are kept as their partials: continued (get -c) by
// the next round. `why` is the failure that kept them (it names the partial):
// what the file reports if no later round gets to it.
struct KeptPartials {
  KeptPartials(std::size_t count, bool all) : resume(count, all), why(count) {}
  void mark(std::size_t item, std::exception_ptr failure) {
    resume[item] = true;
    why[item] = std::move(failure);
  }
  std::vector<bool> resume;
  std::vector<std::exception_ptr> why;
};

// One round of gets over the connection: the files `todo` names (indexes in `items`).
// A file a lost connection stopped goes to `lost` when it is given, else it reports.
// A file whose bytes so far were kept as its partial (Ctrl-C, a lost connection)
// is marked in `kept`: a later round continues it.
void get_round(ShellContext& ctx, const std::vector<TransferItem>& items, const std::vector<std::size_t>& todo,
               const TransferFlags& flags, FileReports& reports, std::vector<std::size_t>* lost, KeptPartials& kept) {
  std::vector<std::string> names;
  for (std::size_t i : todo) names.push_back(items[i].remote_name);
  std::vector<std::string> paths(todo.size());
  std::vector<std::unique_ptr<Download>> downloads(todo.size());
  std::vector<std::string> announced_xxh3(todo.size());  // the remote content each reply announced
  struct Received {
    std::size_t index;
    std::uint64_t size;
    std::int64_t mtime;
  };
  std::vector<Received> received;  // complete, waiting for their group's syncfs
  std::optional<ProgressBar> bar;
  auto commit_received = [&] {
    if (received.empty()) return;
    bool synced = ::syncfs(downloads[received.front().index]->fd()) == 0;
    for (auto [i, size, mtime] : received) {
      try {
        if (flags.preserve_time) set_modification_time(downloads[i]->fd(), mtime, paths[i]);
        downloads[i]->commit(!synced);
        ctx.reporter.attach("bytes", size);
        ctx.reporter.attach("path", paths[i]);
        reports.ok(names[i], "saved " + std::to_string(size) + " bytes to " + shell_quote(paths[i]));
      } catch (const proto::ProtocolError& e) {
        reports.fail(names[i], Failure{std::string(proto::to_string(e.code())), e.what()});
      }
      downloads[i].reset();
    }
    received.clear();
  };
  GetManyCalls calls;
  calls.open = [&](std::size_t i) {
    check_remote_name(names[i]);
    paths[i] = download_path(names[i], items[todo[i]].local_path);
    downloads[i] = std::make_unique<Download>(paths[i]);
    return downloads[i]->fd();
  };
  calls.receiving = [&](std::size_t i, const proto::FileInfo& info) -> ProgressFn {
    announced_xxh3[i] = info.xxh3;
    bar.emplace(names[i], info.size, ctx.progress);
    return [&bar](std::uint64_t done) { bar->update(done); };
  };
  calls.received = [&](std::size_t i, const proto::FileInfo& info) {
    bar.reset();
    received.push_back({i, info.size, info.mtime});
    if (received.size() >= kCommitGroup) commit_received();
  };
  calls.failed = [&](std::size_t i, std::exception_ptr why) {
    bar.reset();
    bool was_kept = false;
    if (downloads[i]) why = keep_partial_after(*downloads[i], paths[i], announced_xxh3[i], why, was_kept);
    if (was_kept) kept.mark(todo[i], why);  // as get keeps it for reget
    downloads[i].reset();
    commit_received();  // reports stay in request order
    if (!keep_for_retry(lost, todo[i], why)) reports.fail(names[i], why);
  };
  ctx.client.get_many(names, calls);
  commit_received();
}

// The files of `todo` marked in `resume` (mget -c, or kept by an earlier round), one
// get -c each in turn: each writes into its named partial from the start (so even a
// killed imgsh keeps what arrived), asks for the rest, checks the whole file's xxh3.
// Returns the others, for the pipelined round; none once Ctrl-C stopped the command.
std::vector<std::size_t> resume_round(ShellContext& ctx, const std::vector<TransferItem>& items,
                                      const std::vector<std::size_t>& todo, const KeptPartials& kept,
                                      const TransferFlags& flags, FileReports& reports,
                                      std::vector<std::size_t>* lost) {
  std::vector<std::size_t> rest;
  for (std::size_t i : todo) {
    if (!kept.resume[i]) {
      rest.push_back(i);
      continue;
    }
    const TransferItem& item = items[i];
    std::exception_ptr why;
    if (ctx.interrupted || !ctx.client.connected()) {
      why = kept.why[i] && !ctx.interrupted ? kept.why[i] : std::make_exception_ptr(NotTransferred(ctx.interrupted));
    } else {
      try {
        check_remote_name(item.remote_name);
        std::string message =
            resume_get(ctx, item.remote_name, download_path(item.remote_name, item.local_path), flags.preserve_time);
        reports.ok(item.remote_name, message);
        continue;
      } catch (...) {
        why = std::current_exception();
      }
    }
    if (!keep_for_retry(lost, i, why)) reports.fail(item.remote_name, why);
  }
  if (ctx.interrupted) {  // Ctrl-C stops them all
    for (std::size_t i : rest) reports.fail(items[i].remote_name, std::make_exception_ptr(NotTransferred(true)));
    rest.clear();
  }
  return rest;
}

// Every index of items, then the ones each round lost, until none is lost or the
// rounds are over; a get is always safe to repeat (what arrived of it was kept as
// its partial, which the next round continues).
TransferCounts get_items(ShellContext& ctx, const std::vector<TransferItem>& items, const TransferFlags& flags) {
  FileReports reports(ctx, "get");
  std::vector<std::size_t> todo(items.size());
  for (std::size_t i = 0; i < todo.size(); ++i) todo[i] = i;
  KeptPartials kept(items.size(), flags.resume);
  for (int round = 1; !todo.empty(); ++round) {
    reconnect_for_many(ctx);
    std::vector<std::size_t> lost;
    std::vector<std::size_t>* retry = round < kTransferRounds ? &lost : nullptr;
    std::vector<std::size_t> pipelined = resume_round(ctx, items, todo, kept, flags, reports, retry);
    if (!pipelined.empty()) get_round(ctx, items, pipelined, flags, reports, retry, kept);
    todo = std::move(lost);
  }
  return reports.finish();
}

// A put lost with the connection may have been stored (pipelined ahead, or its
// reply lost); its retry then answers `exists`. It counts as stored when the server's file has
// the local file's checksum (asked after the round, not inside its window).
struct ExistsAfterLoss {
  std::size_t item;
  std::exception_ptr why;
};

// What a round of puts reports into, and what it leaves for after it.
struct PutRound {
  const std::vector<bool>& retried;  // by item: a round before lost it
  FileReports& reports;
  std::vector<std::size_t>* lost;  // for the next round (none in the last)
  std::vector<ExistsAfterLoss> exists_after_loss;
};

// A put that failed: kept for the next round, kept to compare with what is
// stored (an `exists` after a loss), or reported.
void put_failed(PutRound& round, std::size_t item, const std::string& name, std::exception_ptr why) {
  if (keep_for_retry(round.lost, item, why)) return;
  if (round.retried[item]) {
    try {
      std::rethrow_exception(why);
    } catch (const Refusal& e) {
      if (e.code() == Errc::exists) {
        round.exists_after_loss.push_back({item, why});
        return;
      }
    } catch (...) {
    }
  }
  round.reports.fail(name, why);
}

void put_round(ShellContext& ctx, const std::vector<TransferItem>& items, const std::vector<std::size_t>& todo,
               PutRound& round) {
  std::vector<std::string> names;
  for (std::size_t i : todo) names.push_back(items[i].remote_name);
  std::vector<UploadSource> sources(todo.size());
  std::optional<ProgressBar> bar;
  PutManyCalls calls;
  calls.open = [&](std::size_t i) {
    sources[i] = open_upload_source(items[todo[i]].local_path, names[i]);
    return PutSource{sources[i].fd.get(), sources[i].size};
  };
  calls.sending = [&](std::size_t i, std::uint64_t size) -> ProgressFn {
    bar.emplace(names[i], size, ctx.progress);
    return [&bar](std::uint64_t done) { bar->update(done); };
  };
  calls.stored = [&](std::size_t i, const proto::FileInfo& info) {
    bar.reset();
    sources[i] = {};
    ctx.reporter.attach("bytes", info.size);
    round.reports.ok(names[i], "stored " + std::to_string(info.size) + " bytes");
  };
  calls.failed = [&](std::size_t i, std::exception_ptr why) {
    bar.reset();
    sources[i] = {};
    put_failed(round, todo[i], names[i], why);
  };
  ctx.client.put_many(names, calls);
}

// mput -c: the files too large to travel inline, one put -c each in turn
// (resume_put). A resumable put is announced and nothing may follow it until the
// server's continue says how much it holds, so these are not pipelined (put_many
// waits for an announced put's continue too). Returns the others, for put_round:
// pipelined inline, as the protocol allows only there (a cut one costs at most
// inline_put_max to send again); none once Ctrl-C stopped the command.
std::vector<std::size_t> resume_put_round(ShellContext& ctx, const std::vector<TransferItem>& items,
                                          const std::vector<std::size_t>& todo, PutRound& round) {
  std::vector<std::size_t> rest;
  for (std::size_t i : todo) {
    const TransferItem& item = items[i];
    std::exception_ptr why;
    if (ctx.interrupted || !ctx.client.connected()) {
      why = std::make_exception_ptr(NotTransferred(ctx.interrupted));
    } else {
      try {
        std::error_code ec;
        std::uint64_t size = std::filesystem::file_size(item.local_path, ec);
        if (!ec && size <= ctx.client.limits().inline_put_max) {
          rest.push_back(i);
          continue;
        }
        UploadSource source = open_upload_source(item.local_path, item.remote_name);  // says why not
        round.reports.ok(item.remote_name, resume_put(ctx, source, item.remote_name, TransferFlags{}));
        continue;
      } catch (...) {
        why = std::current_exception();
      }
    }
    put_failed(round, i, item.remote_name, why);
  }
  if (ctx.interrupted) {  // Ctrl-C stops them all
    for (std::size_t i : rest) round.reports.fail(items[i].remote_name, std::make_exception_ptr(NotTransferred(true)));
    rest.clear();
  }
  return rest;
}

// Whether the stored file `name` is the local file's bytes (same xxh3).
bool stored_is_local(ShellContext& ctx, const TransferItem& item) {
  try {
    UploadSource source = open_upload_source(item.local_path, item.remote_name);
    std::string local = proto::xxh3_of_file(source.fd.get(), source.size);
    proto::FileInfo info = ctx.client.stat(item.remote_name);
    return info.size == source.size && !info.xxh3.empty() && info.xxh3 == local;
  } catch (const std::exception&) {
    return false;
  }
}

// Every index of items, then the ones each round lost, until none is lost or the
// rounds are over; with -c (resume) the large files go as put -c, so a lost one's
// retry continues what the server kept of it.
TransferCounts put_items(ShellContext& ctx, const std::vector<TransferItem>& items, const TransferFlags& flags) {
  FileReports reports(ctx, "put");
  std::vector<std::size_t> todo(items.size());
  for (std::size_t i = 0; i < todo.size(); ++i) todo[i] = i;
  std::vector<bool> retried(items.size(), false);
  for (int n = 1; !todo.empty(); ++n) {
    reconnect_for_many(ctx);
    std::vector<std::size_t> lost;
    PutRound round{retried, reports, n < kTransferRounds ? &lost : nullptr, {}};
    std::vector<std::size_t> pipelined = flags.resume ? resume_put_round(ctx, items, todo, round) : todo;
    if (!pipelined.empty()) put_round(ctx, items, pipelined, round);
    for (const auto& e : round.exists_after_loss) {
      const TransferItem& item = items[e.item];
      if (stored_is_local(ctx, item)) {
        reports.ok(item.remote_name, "stored before the connection was lost (same xxh3)");
      } else {
        reports.fail(item.remote_name, e.why);
      }
    }
    for (std::size_t i : lost) retried[i] = true;
    todo = std::move(lost);
  }
  return reports.finish();
}

// -n: the items whose destination already holds the same content are reported
// ("already here"/"already there") and counted as done instead of transferred. A
// check that fails (no connection) keeps the item: its transfer reports why.
std::vector<TransferItem> skip_same_content(ShellContext& ctx, std::string_view op, std::vector<TransferItem> items,
                                            TransferCounts& counts) {
  std::vector<TransferItem> left;
  for (auto& item : items) {
    bool same = false;
    try {
      reconnect_if_needed(ctx);
      if (op == "get") {
        std::string path = download_path(item.remote_name, item.local_path);
        same = local_has_remote_content(ctx.client, path, item.remote_name);
      } else {
        same = remote_has_local_content(ctx.client, item.local_path, item.remote_name);
      }
    } catch (const std::exception&) {
      same = false;
    }
    if (same) {
      ++counts.done;
      ctx.reporter.ok(ctx.client.server_text(), op, item.remote_name,
                      op == "get" ? "already here (same content)" : "already there (same content)");
    } else {
      left.push_back(std::move(item));
    }
  }
  return left;
}

// The final line of a multi-file command; true when every file made it.
bool report_counts(ShellContext& ctx, std::string_view op, const TransferCounts& counts) {
  std::size_t total = counts.done + counts.failed;
  std::string files = std::to_string(total) + (total == 1 ? " file" : " files");
  if (counts.failed == 0) {
    ctx.reporter.ok(ctx.client.server_text(), op, "", files);
    return true;
  }
  ctx.reporter.fail(ctx.client.server_text(), op, "", "some_failed",
                    std::to_string(counts.failed) + " of " + files + " failed");
  return false;
}

// Remote patterns to transfer items; a pattern matching nothing is reported and counted as failed.
std::vector<TransferItem> resolve_remote(ShellContext& ctx, const std::vector<std::string>& patterns,
                                         const std::string& local_arg, TransferCounts& counts) {
  std::vector<TransferItem> items;
  for (const auto& pattern : patterns) {
    if (!has_glob_chars(pattern)) {
      items.push_back({pattern, local_arg});
      continue;
    }
    bool found = remote_query(ctx, "get", pattern, [&] {
      auto names = names_matching_glob(ctx.client, pattern);
      if (names.empty()) throw proto::ProtocolError(Errc::not_found, "no remote file matches " + pattern);
      for (auto& n : names) items.push_back({std::move(n), local_arg});
    });
    if (!found) ++counts.failed;
  }
  return items;
}

std::vector<TransferItem> resolve_local(ShellContext& ctx, const std::vector<std::string>& patterns, TransferCounts& counts) {
  std::vector<TransferItem> items;
  for (const auto& pattern : patterns) {
    auto paths = expand_local_pattern(pattern);
    if (paths.empty()) {
      ctx.reporter.fail(ctx.client.server_text(), "put", pattern, proto::to_string(Errc::not_found),
                        "no local file matches " + pattern);
      ++counts.failed;
    }
    for (auto& p : paths) items.push_back({std::filesystem::path(p).filename().string(), std::move(p)});
  }
  return items;
}

}  // namespace

bool get_files(ShellContext& ctx, const std::vector<std::string>& patterns, const std::string& local_arg,
               const TransferFlags& flags) {
  TransferCounts counts;
  auto items = resolve_remote(ctx, patterns, local_arg, counts);
  // -c also skips a file already here with the same content: a re-run after an interrupted mget.
  if (flags.skip_same || flags.resume) items = skip_same_content(ctx, "get", std::move(items), counts);
  TransferCounts moved = get_items(ctx, items, flags);
  return report_counts(ctx, "get", {counts.done + moved.done, counts.failed + moved.failed});
}

bool put_files(ShellContext& ctx, const std::vector<std::string>& patterns, const TransferFlags& flags) {
  TransferCounts counts;
  auto items = resolve_local(ctx, patterns, counts);
  // -c also skips a file already stored with the same content: a re-run after an interrupted mput -c.
  if (flags.skip_same || flags.resume) items = skip_same_content(ctx, "put", std::move(items), counts);
  TransferCounts moved = put_items(ctx, items, flags);
  return report_counts(ctx, "put", {counts.done + moved.done, counts.failed + moved.failed});
}

}  // namespace imgsh::shell
