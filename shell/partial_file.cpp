#include "shell/partial_file.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <string_view>

#include "protocol/checksum.hpp"
#include "shell/client_errors.hpp"
#include "shell/progress_bar.hpp"
#include "shell/shell_quote.hpp"

namespace imgsh::shell {
namespace {

constexpr std::string_view kSuffix = ".imgsh-partial";
constexpr std::size_t kXxh3Digits = 32;

std::string dir_of(const std::string& target) {
  std::string parent = std::filesystem::path(target).parent_path().string();
  return parent.empty() ? "." : parent;
}

std::string base_of(const std::string& target) { return std::filesystem::path(target).filename().string(); }

}  // namespace

std::string partial_path(const std::string& target, const std::string& xxh3) {
  return dir_of(target) + "/." + base_of(target) + "." + xxh3 + std::string(kSuffix);
}

std::vector<KeptPartial> kept_partials(const std::string& target) {
  std::vector<KeptPartial> found;
  std::string dir = dir_of(target);
  std::string prefix(1, '.');  // appends: g++ 12 -O3 reports a false -Wrestrict for "." + std::string
  prefix += base_of(target);
  prefix += '.';
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) return found;
  while (const dirent* e = ::readdir(d.get())) {
    std::string_view name = e->d_name;
    if (name.size() != prefix.size() + kXxh3Digits + kSuffix.size() || !name.starts_with(prefix) ||
        !name.ends_with(kSuffix)) {
      continue;
    }
    std::string xxh3(name.substr(prefix.size(), kXxh3Digits));
    if (!proto::is_xxh3_hex(xxh3)) continue;
    std::string path = dir + "/" + std::string(name);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    found.push_back({path, xxh3, static_cast<std::uint64_t>(st.st_size)});
  }
  return found;
}

std::string kept_note(std::uint64_t bytes, const std::string& partial) {
  return " (kept " + human_size(bytes) + " in " + shell_quote(base_of(partial)) + " for reget)";
}

void rethrow_noting(const std::string& note) {
  try {
    throw;
  } catch (const Refusal& e) {
    throw Refusal(e.code(), e.what() + note);
  } catch (const proto::ProtocolError& e) {
    throw proto::ProtocolError(e.code(), e.what() + note);
  } catch (const TimedOut& e) {
    throw TimedOut(e.what() + note);
  } catch (const ConnectionError& e) {
    throw ConnectionError(e.what() + note);
  } catch (const LocalIoError& e) {
    throw LocalIoError(e.what() + note);
  } catch (const Interrupted&) {
    throw Interrupted("cancelled" + note + "; the next command reconnects");
  }
}

}  // namespace imgsh::shell
