#pragma once
// The transfer progress bar on a terminal: name, bar, percent, bytes, rate
// and ETA on one line, redrawn in place at most 10 times a second, erased
// when the transfer ends (the report line follows).
#include <chrono>
#include <cstdint>
#include <string>

namespace imgsh::shell {

class ProgressBar {
 public:
  // Disabled: update() does nothing (stderr is not a terminal, or `progress` turned it off).
  ProgressBar(std::string name, std::uint64_t total, bool enabled);
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ~ProgressBar();  // erases the bar if it was drawn

  void update(std::uint64_t done);

 private:
  std::string name_;
  std::uint64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "12.3 MiB", "512 B": sizes as people read them (ls -h uses it too).
std::string human_size(std::uint64_t bytes);

}  // namespace imgsh::shell
