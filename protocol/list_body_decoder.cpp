#include "protocol/list_body_decoder.hpp"

#include <nlohmann/json.hpp>

#include "protocol/error_code.hpp"
#include "protocol/frame_codec.hpp"

namespace imgsh::proto {
namespace {

bool json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

void ListBodyDecoder::broken(const std::string& why) const {
  throw ProtocolError(Errc::bad_frame, "malformed list reply body from the server: " + why + " (at byte " +
                                           std::to_string(offset_) + ")");
}

void ListBodyDecoder::feed(std::string_view piece, const EntryFn& on_entry) {
  for (char c : piece) {
    switch (state_) {
      case State::in_entry:
        entry_byte(c, on_entry);
        break;
      case State::before_array:
        if (c == '[') state_ = State::first_or_end;
        else if (!json_space(c)) broken("not a JSON array");
        break;
      case State::first_or_end:
        if (c == ']') {
          state_ = State::after_array;
          break;
        }
        [[fallthrough]];
      case State::entry_start:
        if (c == '{') {
          state_ = State::in_entry;
          entry_.assign(1, c);
          nesting_.assign(1, c);
        } else if (!json_space(c)) {
          broken("an entry that is not a JSON object");
        }
        break;
      case State::comma_or_end:
        if (c == ',') state_ = State::entry_start;
        else if (c == ']') state_ = State::after_array;
        else if (!json_space(c)) broken("no ',' or ']' after an entry");
        break;
      case State::after_array:
        if (!json_space(c)) broken("bytes after the array's end");
        break;
    }
    ++offset_;
  }
}

void ListBodyDecoder::entry_byte(char c, const EntryFn& on_entry) {
  if (entry_.size() >= max_entry_) {
    broken("an entry longer than " + std::to_string(max_entry_) + " bytes");
  }
  entry_ += c;
  if (in_string_) {
    if (escaped_) escaped_ = false;
    else if (c == '\\') escaped_ = true;
    else if (c == '"') in_string_ = false;
    return;
  }
  switch (c) {
    case '"':
      in_string_ = true;
      break;
    case '{':
    case '[':
      // One level for the array itself: an entry nests as deep as a whole body may.
      if (static_cast<int>(nesting_.size()) + 1 >= kMaxJsonDepth) broken("an entry nested too deeply");
      nesting_ += c;
      break;
    case '}':
    case ']':
      if (nesting_.back() != (c == '}' ? '{' : '[')) broken(std::string("a '") + c + "' that closes nothing open");
      nesting_.pop_back();
      if (nesting_.empty()) entry_done(on_entry);
      break;
    default:
      break;
  }
}

void ListBodyDecoder::entry_done(const EntryFn& on_entry) {
  nlohmann::json object = nlohmann::json::parse(entry_, nullptr, false);
  if (object.is_discarded()) broken("entry " + std::to_string(entries_ + 1) + " is not valid JSON");
  FileInfo info;
  try {
    info = file_info_from_json(object);
  } catch (const ProtocolError& e) {
    broken("entry " + std::to_string(entries_ + 1) + ": " + e.what());
  }
  state_ = State::comma_or_end;
  entry_.clear();
  ++entries_;
  on_entry(std::move(info));
}

void ListBodyDecoder::finish() const {
  if (state_ != State::after_array) broken("the body ends before its array does");
}

}  // namespace imgsh::proto
