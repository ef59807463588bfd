#pragma once
// A download's kept bytes, for get -c / reget: the hidden file
// `.BASE.XXH3.imgsh-partial` beside the target, XXH3 being the remote file's
// whole-file checksum, so a partial is only ever continued for the same remote
// content. Never under the final name: that appears (linked, never replacing)
// only once the whole file's checksum matched.
#include <cstdint>
#include <string>
#include <vector>

namespace imgsh::shell {

std::string partial_path(const std::string& target, const std::string& xxh3);

struct KeptPartial {
  std::string path;
  std::string xxh3;  // of the remote file it belongs to
  std::uint64_t size = 0;
};

// Every partial kept for `target`, whatever its content (a scan of its directory).
std::vector<KeptPartial> kept_partials(const std::string& target);

// " (kept 1.2 MiB in .cat.jpg.<xxh3>.imgsh-partial for reget)"
std::string kept_note(std::uint64_t bytes, const std::string& partial);

// Rethrows the exception being handled, its message followed by `note`, as the
// same type (so it is reported as before, with the note).
[[noreturn]] void rethrow_noting(const std::string& note);

}  // namespace imgsh::shell
