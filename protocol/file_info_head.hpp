#pragma once
// The frame head of a get reply written straight from a FileInfo, without building a
// JSON document first: on the small-get path the document cost more than the file's
// bytes (issue 16: about a quarter of imgsrv's instructions per get under callgrind).
// The same bytes as encode_frame_head(file_info_reply(id, info), body_len) (keys in the
// same order); for what this writer does not cover it falls back to exactly that.
#include <cstdint>
#include <string>

#include "protocol/messages.hpp"

namespace imgsh::proto {

// Written directly for the common entry (a name of printable ASCII without '"' or '\',
// an xxh3 of hex digits, no image facts); otherwise through the JSON document.
std::string file_info_head(std::uint64_t id, const FileInfo& info, std::uint64_t body_len);

}  // namespace imgsh::proto
