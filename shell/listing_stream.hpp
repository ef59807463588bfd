#pragma once
// ls's output written as the listing arrives, so a listing of any size costs the shell
// one block of entries, never the whole:
//   one per line (-1, or stdout not a terminal)   each name as it comes
//   columns on a terminal, and -l                 per block of kBlock entries: the
//                                                 columns and the -l widths are fitted to
//                                                 each block (a listing of up to kBlock
//                                                 entries prints exactly as one block)
//   --json                                        each entry streamed into the report
//                                                 object's "entries" array (Reporter)
// A sorted ls (-t, -S, -r, --sort) holds its entries to sort them and then prints
// through the same printer.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "shell/listing.hpp"
#include "shell/report.hpp"

namespace imgsh::shell {

class ListingPrinter {
 public:
  static constexpr std::size_t kBlock = 1024;

  ListingPrinter(Reporter& reporter, const ListingOptions& options, bool terminal, bool utf8);
  void add(ListedFile file);
  // Prints what is left; with --json and no entry at all, an empty "entries" array.
  void finish();
  std::uint64_t count() const { return count_; }

 private:
  void flush();

  Reporter& reporter_;
  const ListingOptions& options_;
  bool terminal_;
  bool utf8_;
  std::vector<ListedFile> block_;
  std::uint64_t count_ = 0;
};

}  // namespace imgsh::shell
