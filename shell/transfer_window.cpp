// Client::get_many and Client::put_many: a window of requests stays
// outstanding (replies come back in request order), so many small files do not
// pay a round trip each. The ids stay in here: the caller sees file indexes.
#include <deque>

#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "shell/client.hpp"
#include "shell/protocol_trace.hpp"
#include "shell/request_steps.hpp"

namespace imgsh::shell {
namespace {

// Requests outstanding at once. Get requests are a few dozen bytes and put
// replies a few hundred, so neither side's socket buffer can fill with what
// the other has not read yet: no deadlock, whatever the file sizes.
constexpr std::size_t kWindow = 32;

// Once a failure drops the connection, the files still to come are not
// transferred; they say whether Ctrl-C or a lost connection stopped them.
class Breakage {
 public:
  explicit Breakage(const Client& client) : client_(client), broken_(!client.connected()) {}
  // After a failure (inside its catch): did it break the connection?
  void note_failure() {
    broken_ = broken_ || !client_.connected();
    try {
      throw;
    } catch (const Interrupted&) {
      interrupted_ = true;
    } catch (...) {
    }
  }
  bool broken() const { return broken_; }
  std::exception_ptr not_transferred() const { return std::make_exception_ptr(NotTransferred(interrupted_)); }

 private:
  const Client& client_;
  bool broken_;
  bool interrupted_ = false;
};

struct PendingGet {
  std::size_t index = 0;
  int fd = -1;
  std::uint64_t id = 0;
  std::exception_ptr failure = nullptr;  // refused before its request was sent
};

struct PendingPut {
  std::size_t index = 0;
  PutSource source;
  bool announced = false;  // too large to send inline: waits for continue at the head of the window
  std::uint64_t id = 0;
  std::exception_ptr failure;
};

}  // namespace

void Client::get_many(const std::vector<std::string>& names, const GetManyCalls& calls) {
  Breakage breakage(*this);
  std::deque<PendingGet> window;
  std::size_t next = 0;
  while (next < names.size() || !window.empty()) {
    // Top the window up half a window at a time, the requests in one write.
    if (window.size() <= kWindow / 2 && next < names.size()) {
      std::size_t first_new = window.size();
      while (next < names.size() && window.size() < kWindow) {
        PendingGet p;
        p.index = next++;
        if (breakage.broken()) {
          p.failure = breakage.not_transferred();
        } else {
          try {
            p.fd = calls.open(p.index);
          } catch (...) {
            p.failure = std::current_exception();
          }
        }
        window.push_back(p);
      }
      bool any = false;
      for (std::size_t i = first_new; i < window.size(); ++i) any = any || !window[i].failure;
      try {
        if (any) {
          conn_.run([&]() -> asio::awaitable<bool> {
            auto& stream = conn_.stream();
            std::string frames;
            for (std::size_t i = first_new; i < window.size(); ++i) {
              if (window[i].failure) continue;
              window[i].id = conn_.next_id();
              nlohmann::json header = proto::to_header(proto::Request{window[i].id, proto::Get{names[window[i].index]}});
              trace_frame_sent(header, 0);
              frames += proto::encode_frame_head(header, 0);
            }
            co_await asio::async_write(stream, asio::buffer(frames), asio::use_awaitable);
            co_return true;
          }());
        }
      } catch (...) {
        breakage.note_failure();  // broken now: what is in the window fails below
      }
    }
    PendingGet p = window.front();
    window.pop_front();
    if (!p.failure && breakage.broken()) p.failure = breakage.not_transferred();
    if (!p.failure) {
      proto::FileInfo info;
      try {
        HeaderFn on_header = [&](const proto::FileInfo& header) {
          return calls.receiving ? calls.receiving(p.index, header) : ProgressFn();
        };
        info = conn_.run(receive_get(p.id, names[p.index], p.fd, on_header));
      } catch (...) {
        p.failure = std::current_exception();
        breakage.note_failure();
      }
      if (!p.failure) {
        calls.received(p.index, info);
        continue;
      }
    }
    calls.failed(p.index, p.failure);
  }
}

void Client::put_many(const std::vector<std::string>& names, const PutManyCalls& calls) {
  Breakage breakage(*this);
  std::deque<PendingPut> window;
  std::size_t next = 0;
  while (next < names.size() || !window.empty()) {
    // Nothing may follow an announced put until its continue: stop filling behind one.
    while (next < names.size() && window.size() < kWindow && (window.empty() || !window.back().announced)) {
      PendingPut p;
      p.index = next++;
      if (breakage.broken()) {
        p.failure = breakage.not_transferred();
      } else {
        try {
          p.source = calls.open(p.index);
          if (p.source.size > limits().inline_put_max) {
            p.announced = true;
          } else {
            p.id = conn_.run(send_inline_put(names[p.index], p.source.fd, p.source.size));
          }
        } catch (...) {
          p.failure = std::current_exception();
          breakage.note_failure();
        }
      }
      window.push_back(p);
    }
    PendingPut p = window.front();
    window.pop_front();
    if (!p.failure && breakage.broken()) p.failure = breakage.not_transferred();
    if (!p.failure) {
      proto::FileInfo info;
      try {
        if (p.announced) {
          ProgressFn progress = calls.sending ? calls.sending(p.index, p.source.size) : ProgressFn();
          info = conn_.run(put_exchange(names[p.index], p.source.fd, p.source.size, progress));
        } else {
          info = conn_.run([&]() -> asio::awaitable<proto::FileInfo> {
            proto::Reply reply = co_await read_reply(conn_, p.id);
            co_return proto::parse_file_info_reply(reply);
          }());
        }
      } catch (...) {
        p.failure = std::current_exception();
        breakage.note_failure();
      }
      if (!p.failure) {
        calls.stored(p.index, info);
        continue;
      }
    }
    calls.failed(p.index, p.failure);
  }
}

}  // namespace imgsh::shell
