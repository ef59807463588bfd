#pragma once
// Who may use a store's root, and which leftovers the start-up sweep may
// remove. Locks are flocks on hidden regular files in the root: on CephFS
// (and other cluster filesystems) those hold across mounts and machines,
// while a flock on the directory itself is local to one mount.
//   exclusive: LOCK_EX on the root lock file; a second server refuses.
//   shared:    LOCK_SH on the root lock file (so no exclusive server runs
//              beside shared ones) and LOCK_EX on a lock file of this node.
// Temporaries are named `.imgsrv-tmp.<node>.<random>`; a node's temporaries
// may only be removed while its node lock is free (the node is dead).
#include <functional>
#include <string>
#include <string_view>

#include "protocol/unique_fd.hpp"

namespace imgsh::server {

inline constexpr std::string_view kRootLockName = ".imgsrv-root.lock";
inline constexpr std::string_view kNodeLockPrefix = ".imgsrv-node.";

// A node id is 1-64 of [A-Za-z0-9_-]: it sits inside file names between dots.
bool valid_node_id(std::string_view id);
// The host name with other characters replaced by '-', plus "-PORT".
std::string default_node_id(unsigned port);

class RootClaim {
 public:
  // Throws std::runtime_error with a one-line reason when the root is taken:
  // exclusive mode beside any server, shared mode beside an exclusive one or
  // a live node with the same id.
  RootClaim(int root_fd, const std::string& root_text, bool shared, std::string node_id);
  const std::string& node_id() const { return node_id_; }
  // Removes the temporaries no live server owns, but those `keep` (if given)
  // returns true for; returns how many.
  int sweep(int root_fd, const std::function<bool(const std::string& temp)>& keep = {}) const;

 private:
  bool shared_;
  std::string node_id_;
  UniqueFd root_lock_;
  UniqueFd node_lock_;
};

}  // namespace imgsh::server
