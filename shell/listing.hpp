#pragma once
// How ls and lls print names: columns on a terminal, one per line otherwise
// (or with -1), and with -l a size (-h: human-readable) and modification time.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/image_facts.hpp"

namespace imgsh::shell {

struct ListingOptions {
  bool one_per_line = false;  // -1
  bool long_format = false;   // -l
  bool human = false;         // -h
  std::vector<std::string> operands;
};

// Parses "-1", "-l", "-h" (combinable: -lh) and operands; nullopt and `error` on an unknown option.
std::optional<ListingOptions> parse_listing_options(const std::vector<std::string>& args, std::string& error);

struct ListedFile {
  std::string name;
  std::uint64_t size = 0;
  std::int64_t mtime = 0;
  std::optional<proto::ImageFacts> image{};  // ls: the server's facts, when it sent them
};

// Everything printed for the files, each line ending in '\n'.
std::string format_listing(const std::vector<ListedFile>& files, const ListingOptions& options, bool terminal);

std::string format_time(std::int64_t seconds);

}  // namespace imgsh::shell
