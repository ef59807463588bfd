#include "shell/listing.hpp"

#include <cstdio>
#include <ctime>

#include "shell/columns.hpp"
#include "shell/progress_bar.hpp"
#include "protocol/display_text.hpp"

namespace imgsh::shell {

std::optional<ListingOptions> parse_listing_options(const std::vector<std::string>& args, std::string& error) {
  ListingOptions options;
  for (const auto& arg : args) {
    if (arg.size() < 2 || arg[0] != '-') {
      options.operands.push_back(arg);
      continue;
    }
    for (char c : arg.substr(1)) {
      if (c == '1') options.one_per_line = true;
      else if (c == 'l') options.long_format = true;
      else if (c == 'h') options.human = true;
      else {
        error = std::string("unknown option -") + c + " (known: -1 -l -h)";
        return std::nullopt;
      }
    }
  }
  return options;
}

std::string format_time(std::int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string format_listing(const std::vector<ListedFile>& files, const ListingOptions& options, bool terminal) {
  std::string out;
  if (options.long_format) {
    for (const auto& f : files) {
      std::string size = options.human ? human_size(f.size) : std::to_string(f.size);
      char buf[64];
      std::snprintf(buf, sizeof buf, "%12s  %s  ", size.c_str(), format_time(f.mtime).c_str());
      out += buf + proto::escape_for_display(f.name) + "\n";
    }
    return out;
  }
  std::vector<std::string> names;
  // Names come from the server or the filesystem: escaped before they reach the terminal.
  for (const auto& f : files) names.push_back(proto::escape_for_display(f.name));
  if (!terminal || options.one_per_line) {
    for (const auto& n : names) out += n + "\n";
    return out;
  }
  return format_columns(names, terminal_width());
}

}  // namespace imgsh::shell
