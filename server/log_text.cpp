#include "server/log_text.hpp"

#include "protocol/display_text.hpp"

namespace imgsh::server {

std::string log_safe(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return proto::escape_for_display(text);
  // Cut at a character boundary, so the cut does not show up as invalid bytes.
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return proto::escape_for_display(text.substr(0, cut)) + "...";
}

}  // namespace imgsh::server
