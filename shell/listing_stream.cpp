#include "shell/listing_stream.hpp"

#include <iostream>

#include "protocol/display_text.hpp"
#include "protocol/image_facts.hpp"
#include "shell/image_listing.hpp"

namespace imgsh::shell {

ListingPrinter::ListingPrinter(Reporter& reporter, const ListingOptions& options, bool terminal, bool utf8)
    : reporter_(reporter), options_(options), terminal_(terminal), utf8_(utf8) {}

void ListingPrinter::add(ListedFile file) {
  ++count_;
  if (reporter_.json()) {
    nlohmann::json entry = {{"name", file.name}, {"size", file.size}, {"mtime", file.mtime}};
    if (file.image) entry["image"] = proto::to_json(*file.image);
    reporter_.stream_item("entries", entry);
    return;
  }
  if (!options_.long_format && (!terminal_ || options_.one_per_line)) {
    // Names come from the server: escaped before they reach the terminal.
    std::cout << proto::escape_for_display(file.name) << '\n';
    return;
  }
  block_.push_back(std::move(file));
  if (block_.size() >= kBlock) flush();
}

void ListingPrinter::flush() {
  if (block_.empty()) return;
  std::cout << (options_.long_format ? format_image_listing(block_, options_.human, utf8_)
                                     : format_listing(block_, options_, terminal_))
            << std::flush;
  block_.clear();
}

void ListingPrinter::finish() {
  if (reporter_.json() && count_ == 0) reporter_.attach("entries", nlohmann::json::array());
  flush();
  std::cout << std::flush;
}

}  // namespace imgsh::shell
