#include "server/logging.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <ctime>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace imgsh::server {
namespace {

// Marks a structured payload. Text from outside is escaped before it reaches
// the log (log_text.hpp), so no message of a client's can start with it.
constexpr char kStructured = '\x1f';

LogFormat g_format = LogFormat::text;

int syslog_priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug: return 7;
    case spdlog::level::info: return 6;
    case spdlog::level::warn: return 4;
    case spdlog::level::err: return 3;
    default: return 2;
  }
}

std::string local_time(spdlog::log_clock::time_point when) {
  auto since = when.time_since_epoch();
  std::time_t seconds = std::chrono::duration_cast<std::chrono::seconds>(since).count();
  int millis = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(since).count() % 1000);
  std::tm tm{};
  ::localtime_r(&seconds, &tm);
  char date[32];
  char zone[8];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  std::strftime(zone, sizeof zone, "%z", &tm);
  return fmt::format("{}.{:03}{}", date, millis, zone);
}

class LineFormatter final : public spdlog::formatter {
 public:
  LineFormatter(LogFormat format, bool journal) : format_(format), journal_(journal) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    auto level_name = spdlog::level::to_string_view(msg.level);
    std::string_view level(level_name.data(), level_name.size());
    std::string line;
    if (journal_) line = fmt::format("<{}>", syslog_priority(msg.level));
    if (format_ == LogFormat::json) {
      nlohmann::json head = {{"time", local_time(msg.time)}, {"level", level}};
      std::string text = head.dump();
      text.pop_back();  // the closing brace: the message's fields follow
      if (!payload.empty() && payload.front() == kStructured) {
        payload.remove_prefix(1);
        text += ',';  // appended, not "literal" + std::string (GCC bug 105329: -Wrestrict at -O3)
        text += payload.substr(1);  // its fields, without its opening brace
      } else {
        text += ",\"msg\":" + nlohmann::json(std::string(payload)).dump(-1, ' ', false,
                                                                         nlohmann::json::error_handler_t::replace) +
                "}";
      }
      line += text;
    } else {
      if (!journal_) line += local_time(msg.time) + " ";
      line += fmt::format("{} {}", level, payload);
    }
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(format_, journal_);
  }

 private:
  LogFormat format_;
  bool journal_;
};

}  // namespace

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (!stream) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(2, &st) != 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

void setup_logging(const std::string& level, const std::string& format) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    throw std::invalid_argument("unknown log level '" + level + "' (trace, debug, info, warn, error, off)");
  }
  if (format != "text" && format != "json") {
    throw std::invalid_argument("unknown log format '" + format + "' (text, json)");
  }
  g_format = format == "json" ? LogFormat::json : LogFormat::text;
  auto logger = spdlog::stderr_logger_mt("imgsrv");
  logger->set_formatter(std::make_unique<LineFormatter>(g_format, stderr_is_journal()));
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

LogFormat log_format() { return g_format; }

std::string structured_payload(std::string_view json_object) { return kStructured + std::string(json_object); }

}  // namespace imgsh::server
