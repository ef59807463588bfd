#pragma once
// `imgsrv check [--root DIR] [--fix]` (issue 13, item 4): walks a store like `fsck -n` /
// `git fsck`, offline or beside a running server, and reports one line per finding:
//   invalid      an image name whose file does not decode (protocol/image_check.hpp)
//   unreadable   an image name that cannot be opened or read
//   odd          a directory, symbolic link, FIFO, device or socket, a hidden or
//                non-image name: never served, never touched
//   temporary    a stray upload temporary (.imgsrv-tmp.*)
//   stale-cache  a checksum xattr that no longer describes its file
// Read-only unless --fix: then stale caches are rewritten (the file hashed anew), and
// stray temporaries removed only when no live server holds the root (root_claim.hpp).
// Names are escaped (protocol/display_text.hpp) before they are printed.
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace imgsh::server {

struct StoreCheckReport {
  std::vector<std::string> lines;  // findings, in name order
  int problems = 0;                // findings still wrong after the walk (fixed ones are not)
};

// Throws std::runtime_error when the root cannot be opened or read.
StoreCheckReport check_store(const std::filesystem::path& root, bool fix);

class StoreCheckCommand {
 public:
  explicit StoreCheckCommand(CLI::App& app);
  bool chosen() const { return check_->parsed(); }
  // Findings on stdout, a summary on stderr; 0: clean, 1: problems, 2: cannot check.
  int run() const;

 private:
  CLI::App* check_ = nullptr;
  std::filesystem::path root_ = ".";
  bool fix_ = false;
};

}  // namespace imgsh::server
