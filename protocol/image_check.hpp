#pragma once
// Image validation by real decoders, shared by both ends (issue 13): the server checks a
// just-written temporary file, the shell a local file before it sends it. Either the file
// decodes completely and its facts come back, or a problem {code, message} says why not.
//
// Memory stays bounded whatever the file size: the file is read through one buffer with
// pread (never whole), PNG rows are decoded one at a time (libspng progressive decode),
// JPEG scanlines one at a time at scale 1/8 through the libjpeg API of libjpeg-turbo.
// The work is proportional to the file and its pixel count, so it belongs on a worker
// thread, never on an I/O thread.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/error_code.hpp"
#include "protocol/file_growth.hpp"
#include "protocol/image_facts.hpp"
#include "protocol/row_sink.hpp"

namespace imgsh::proto {

struct ImageLimits {
  // Width x height. Above it an image is refused (too_large) as soon as its header is
  // read, before anything image-sized exists: a decompression bomb (a 100,000 x 100,000
  // PNG header, a 65,500 x 65,500 JPEG) costs nothing. The default admits 150 MP
  // medium-format cameras (14,204 x 10,652 = 151.3 MP).
  std::uint64_t max_pixels = 200'000'000;
  // Decoder working memory. A progressive JPEG keeps every DCT coefficient until its last
  // scan (2 bytes per sample: 150 MP at 4:4:4 needs 0.9 GB); a PNG row buffer grows with
  // the width. Above it: too_large, before the allocation.
  std::uint64_t max_decoder_memory = 1ull << 30;
  // PNG ancillary chunks libspng keeps (text, ICC profile, eXIf): together at most this.
  std::uint64_t max_metadata_bytes = 64ull << 20;
  // A progressive JPEG decodes the whole image once per scan; real encoders write about
  // ten. Thousands of tiny scans are a denial-of-service trick (libjpeg-turbo's advice).
  std::uint32_t max_jpeg_scans = 500;
};

struct ImageProblem {
  Errc code;            // unsupported_type, empty_file, not_an_image, too_large, internal
  std::string message;  // for a person; starts with the name
};

struct ImageCheck {
  ImageFacts facts;                     // meaningful only when ok()
  std::optional<ImageProblem> problem;  // why the file is refused
  bool ok() const { return !problem.has_value(); }
};

// Validates the whole file behind `fd` (read with pread from offset 0; the descriptor's
// own offset is neither used nor moved). `name` is the stored or local name: its
// extension must agree with the content (image_sniff.hpp), as on the wire today.
// `sink`: also hand the decoded rows to it (row_sink.hpp); the facts and problems are the same.
ImageCheck check_image_file(int fd, std::string_view name, const ImageLimits& limits = {}, RowSink* sink = nullptr);

// The same verdict for a file still being written behind `fd` (the server decoding a put
// while its body streams): every read past the bytes written so far waits on `growth`,
// so the decode keeps pace with the writer and ends when the file is complete. The
// caller knows the file is not empty (a put of 0 bytes never gets this far).
ImageCheck check_image_while_written(int fd, std::string_view name, FileGrowth& growth, const ImageLimits& limits = {});

}  // namespace imgsh::proto
