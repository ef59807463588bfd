#include "shell/progress_bar.hpp"

#include <algorithm>
#include <unistd.h>

#include <cstdio>

#include "shell/columns.hpp"

namespace imgsh::shell {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRedrawEvery = std::chrono::milliseconds(100);
// Nothing is drawn for transfers that end sooner: no flicker for small files.
constexpr auto kFirstDrawAfter = std::chrono::milliseconds(200);

std::string duration_text(double seconds) {
  auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

}  // namespace

std::string human_size(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, value < 100 ? "%.1f %s" : "%.0f %s", value, kUnits[unit]);
  return buf;
}

ProgressBar::ProgressBar(std::string name, std::uint64_t total, bool enabled)
    : name_(std::move(name)), total_(total), enabled_(enabled), start_(Clock::now()), last_draw_(start_) {}

ProgressBar::~ProgressBar() {
  if (drawn_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }
}

void ProgressBar::update(std::uint64_t done) {
  if (!enabled_) return;
  auto now = Clock::now();
  if (now - start_ < kFirstDrawAfter || (drawn_ && now - last_draw_ < kRedrawEvery)) return;
  last_draw_ = now;
  double seconds = std::chrono::duration<double>(now - start_).count();
  double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  int percent = total_ ? static_cast<int>(done * 100 / total_) : 100;
  char tail[128];
  std::string eta = rate > 0 && done < total_ ? duration_text(static_cast<double>(total_ - done) / rate) : "--:--";
  std::snprintf(tail, sizeof tail, " %3d%% %9s / %-9s %9s/s  ETA %s", percent, human_size(done).c_str(),
                human_size(total_).c_str(), human_size(static_cast<std::uint64_t>(rate)).c_str(), eta.c_str());
  std::size_t width = terminal_width(STDERR_FILENO) - 1;  // never touch the last column: no wrap
  std::string name = name_;
  std::size_t tail_width = std::string(tail).size();
  std::size_t room = width > tail_width ? width - tail_width : 0;
  std::size_t name_room = std::min<std::size_t>(room / 2, 32);
  if (display_width(name) > name_room) name = name_room > 3 ? name.substr(0, name_room - 3) + "..." : "";
  std::size_t bar_width = room > display_width(name) + 4 ? room - display_width(name) - 4 : 0;
  std::string bar;
  if (bar_width > 0) {
    std::size_t filled = total_ ? static_cast<std::size_t>(static_cast<double>(bar_width) * static_cast<double>(done) /
                                                           static_cast<double>(total_))
                                : bar_width;
    bar = " [" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "]";
  }
  std::string line = "\r" + name + bar + tail + "\033[K";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace imgsh::shell
