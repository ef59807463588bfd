#pragma once
// A list reply's body (PROTOCOL.md, "list": a JSON array of entry objects) decoded as it
// arrives, so a client prints a listing of any size in bounded memory. Fed the body in
// pieces split anywhere, it hands on each entry as soon as its object is complete.
// It holds at most one entry's bytes: the splitter only follows strings, escapes and
// nesting to find where an entry object ends; nlohmann/json then parses that object
// and file_info_from_json reads it, exactly as a whole body is read.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "protocol/messages.hpp"

namespace imgsh::proto {

class ListBodyDecoder {
 public:
  // An entry is a name of at most 255 bytes, two numbers and the image facts: far
  // below this. A longer one is a broken or hostile server's, not a listing.
  static constexpr std::size_t kMaxEntryBytes = 64 * 1024;
  using EntryFn = std::function<void(FileInfo&&)>;

  explicit ListBodyDecoder(std::size_t max_entry_bytes = kMaxEntryBytes) : max_entry_(max_entry_bytes) {}

  // The next piece of the body; `on_entry` is called for every entry completed in it,
  // in order. Throws ProtocolError(bad_frame) at the first byte that cannot belong to
  // a list body (the decoder is then spent).
  void feed(std::string_view piece, const EntryFn& on_entry);
  // The body ended: throws ProtocolError(bad_frame) unless the array was closed.
  void finish() const;

  std::uint64_t entries() const { return entries_; }

 private:
  enum class State { before_array, first_or_end, entry_start, in_entry, comma_or_end, after_array };

  void entry_byte(char c, const EntryFn& on_entry);
  void entry_done(const EntryFn& on_entry);
  [[noreturn]] void broken(const std::string& why) const;

  std::size_t max_entry_;
  State state_ = State::before_array;
  std::string entry_;   // the bytes of the entry being split, '{' included
  std::string nesting_; // the open '{' and '[' of the entry, innermost last
  bool in_string_ = false;
  bool escaped_ = false;  // the previous byte in a string was an unescaped backslash
  std::uint64_t entries_ = 0;
  std::uint64_t offset_ = 0;  // bytes fed so far, for the messages
};

}  // namespace imgsh::proto
