#include "server/image_facts_service.hpp"

#include <sys/stat.h>

#include <exception>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "protocol/unique_fd.hpp"
#include "server/log_text.hpp"
#include "server/regular_file.hpp"

namespace imgsh::server {

using Waiter = std::function<void(const MaybeFacts&)>;

struct ImageFactsService::Job {
  FileKey key;
  std::string name;
  std::vector<Waiter> waiters;
};

// One lookup's files still being read: each slot is written by its own waiter before
// `remaining` counts it; the last one resumes the request.
struct ImageFactsService::Batch {
  std::vector<MaybeFacts> results;
  std::atomic<std::size_t> remaining{0};
  std::function<void()> done;
};

ImageFactsService::ImageFactsService(const FactsOptions& options)
    : options_(options), memory_(options.memory_entries), pool_(options.workers, options.max_queued, "imgsrv-facts") {}

ImageFactsService::~ImageFactsService() {
  cancel();
  join();
}

void ImageFactsService::cancel() { pool_.cancel(); }
void ImageFactsService::join() { pool_.join(); }

asio::awaitable<std::vector<MaybeFacts>> ImageFactsService::lookup(int root_fd, std::vector<FactsRequest> requests) {
  std::vector<MaybeFacts> results(requests.size());
  std::vector<FactsRequest> missing;
  std::vector<std::size_t> slots;  // where each missing file's facts go in `results`
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (auto known = memory_.find(requests[i].key)) {
      results[i] = std::move(*known);
    } else {
      missing.push_back(std::move(requests[i]));
      slots.push_back(i);
    }
  }
  if (missing.empty()) co_return results;

  auto batch = std::make_shared<Batch>();
  batch->results.resize(missing.size());
  batch->remaining = missing.size();
  // As in checksum_service.cpp: g++ 12 destroys the initiation's captures twice, so it
  // captures only pointers into this frame, which stays suspended while it runs.
  std::shared_ptr<Batch>* batch_here = &batch;
  std::vector<FactsRequest>* missing_here = &missing;
  co_await asio::async_initiate<const asio::use_awaitable_t<>, void()>(
      [this, root_fd, batch_here, missing_here](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto executor = asio::get_associated_executor(*shared);
        (*batch_here)->done = [shared, executor] { asio::post(executor, [shared]() mutable { (*shared)(); }); };
        start(root_fd, *batch_here, *missing_here);
      },
      asio::use_awaitable);
  for (std::size_t k = 0; k < slots.size(); ++k) results[slots[k]] = std::move(batch->results[k]);
  co_return results;
}

// Request k's facts go to batch->results[k].
void ImageFactsService::start(int root_fd, const std::shared_ptr<Batch>& batch, std::vector<FactsRequest>& requests) {
  std::vector<std::shared_ptr<Job>> fresh;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t k = 0; k < requests.size(); ++k) {
      Waiter waiter = [batch, slot = k](const MaybeFacts& facts) {
        batch->results[slot] = facts;
        if (batch->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) batch->done();
      };
      if (auto it = running_.find(requests[k].key); it != running_.end()) {
        it->second->waiters.push_back(std::move(waiter));
        continue;
      }
      auto job = std::make_shared<Job>();
      job->key = requests[k].key;
      job->name = std::move(requests[k].name);
      job->waiters.push_back(std::move(waiter));
      running_.emplace(job->key, job);
      fresh.push_back(std::move(job));
    }
  }
  if (fresh.empty()) return;
  std::function<void()> work = [this, root_fd, fresh] { run(root_fd, fresh); };
  if (!pool_.try_submit(work)) {
    for (const auto& job : fresh) finish(job, std::nullopt);  // busy: no facts this time, none cached
  }
}

void ImageFactsService::run(int root_fd, const std::vector<std::shared_ptr<Job>>& jobs) {
  for (const auto& job : jobs) {
    MaybeFacts facts;
    if (!pool_.cancelled()) {
      try {
        UniqueFd fd = open_regular_file(root_fd, job->name);
        struct stat before {};
        struct stat after {};
        if (::fstat(fd.get(), &before) == 0) {
          facts = proto::read_image_header(fd.get(), job->name, options_.header);
          ++headers_read_;
          spdlog::debug("image facts: read the header of {}", log_safe(job->name));
          // Kept only if the file did not change while its header was read.
          if (::fstat(fd.get(), &after) == 0 && file_key(after) == file_key(before)) memory_.put(file_key(after), facts);
        }
      } catch (const std::exception&) {
        facts.reset();  // gone, or no longer a regular file: no facts
      }
    }
    finish(job, facts);
  }
}

void ImageFactsService::finish(const std::shared_ptr<Job>& job, const MaybeFacts& facts) {
  std::vector<Waiter> waiters;
  {
    std::lock_guard lock(mutex_);
    running_.erase(job->key);
    waiters.swap(job->waiters);
  }
  for (auto& w : waiters) w(facts);
}

}  // namespace imgsh::server
