#include "server/root_claim.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <stdexcept>
#include <thread>
#include <vector>

#include "server/local_dir_store.hpp"
#include "server/root_entries.hpp"

namespace imgsh::server {
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string node_lock_name(std::string_view node) {
  return std::string(kNodeLockPrefix) + std::string(node) + ".lock";
}

UniqueFd open_lock_file(int root_fd, const std::string& name, const std::string& root_text) {
  UniqueFd fd(::openat(root_fd, name.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throw std::runtime_error(errno_text("cannot open lock file " + name + " in " + root_text));
  return fd;
}

// The node a temporary belongs to: between the prefix and the last '.'.
// Empty for a temporary of an older imgsrv (no node in its name).
std::string_view temp_owner(std::string_view temp) {
  std::string_view rest = temp.substr(kTempPrefix.size());
  auto dot = rest.rfind('.');
  return dot == std::string_view::npos ? std::string_view{} : rest.substr(0, dot);
}

}  // namespace

bool valid_node_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string default_node_id(unsigned port) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "node");
  std::string id;
  for (const char* p = host; *p && id.size() < 50; ++p) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    id += ok ? c : '-';
  }
  return id + "-" + std::to_string(port);
}

RootClaim::RootClaim(int root_fd, const std::string& root_text, bool shared, std::string node_id)
    : shared_(shared), node_id_(std::move(node_id)) {
  if (!valid_node_id(node_id_)) {
    throw std::runtime_error("invalid node id '" + node_id_ + "': use 1-64 letters, digits, '_' or '-'");
  }
  root_lock_ = open_lock_file(root_fd, std::string(kRootLockName), root_text);
  if (::flock(root_lock_.get(), (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) throw std::runtime_error(errno_text("cannot lock root " + root_text));
    if (shared) throw std::runtime_error("an imgsrv without --shared-root is already serving " + root_text);
    throw std::runtime_error("another imgsrv is already serving " + root_text);
  }
  if (!shared) return;
  node_lock_ = open_lock_file(root_fd, node_lock_name(node_id_), root_text);
  // Another node's sweep holds our lock for a moment while it checks whether
  // we are alive: retry briefly before calling the id taken.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (::flock(node_lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) throw std::runtime_error(errno_text("cannot lock node " + node_id_));
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("node id " + node_id_ + " is already serving " + root_text +
                               " (give each server its own --node-id)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int RootClaim::sweep(int root_fd, const std::function<bool(const std::string& temp)>& keep) const {
  std::vector<std::string> temps;
  for_each_root_entry(root_fd, [&](std::string_view name) {
    if (name.starts_with(kTempPrefix)) temps.emplace_back(name);
  });
  // Per owner: whether its temporaries may go, decided while holding its lock.
  std::map<std::string, bool, std::less<>> dead;
  std::vector<UniqueFd> held;  // dead nodes' locks, held until the sweep ends
  auto owner_dead = [&](std::string_view owner) {
    // Exclusive: no other server runs. Our own id: we hold its lock, so these
    // are an earlier run's. No owner: an older exclusive server's, and none
    // runs while we hold the root lock shared.
    if (!shared_ || owner == node_id_ || owner.empty() || !valid_node_id(owner)) return true;
    if (auto it = dead.find(owner); it != dead.end()) return it->second;
    bool is_dead = false;
    UniqueFd fd(::openat(root_fd, node_lock_name(owner).c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
      is_dead = errno == ENOENT;  // a node creates its lock before any temporary
    } else if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
      is_dead = true;
      held.push_back(std::move(fd));
    }
    dead.emplace(std::string(owner), is_dead);
    return is_dead;
  };
  int removed = 0;
  for (const auto& temp : temps) {
    if (keep && keep(temp)) continue;
    if (owner_dead(temp_owner(temp)) && ::unlinkat(root_fd, temp.c_str(), 0) == 0) ++removed;
  }
  return removed;
}

}  // namespace imgsh::server
