// PNG validation: libspng reads the signature, IHDR and the chunks before the image data
// (their rules, the metadata limit, an eXIf), then png_image_data.cpp reads the rest with
// ISA-L: every chunk's CRC (ancillary ones too: libspng's default only drops those), the
// image data inflated to its last scanline, the chunks after it up to IEND. Thumbnails
// (a RowSink) are decoded by libspng to the end, rows unfiltered and converted.
//
// libspng reads through a stream callback in pieces of at most 8 KiB, so memory is a few
// rows plus the metadata chunks it keeps (capped by max_metadata_bytes), never the image.
#include <spng.h>

#include <cstring>
#include <memory>
#include <vector>

#include "protocol/exif_facts.hpp"
#include "protocol/fd_reader.hpp"
#include "protocol/image_decoders.hpp"
#include "protocol/png_chunk_tracker.hpp"
#include "protocol/png_image_data.hpp"

namespace imgsh::proto {
namespace {

struct SpngFree {
  void operator()(spng_ctx* ctx) const { spng_ctx_free(ctx); }
};

struct Stream {
  FdReader reader;
  PngChunkTracker tracker;
};

int read_stream(spng_ctx*, void* user, void* dest, std::size_t length) {
  auto* s = static_cast<Stream*>(user);
  auto* out = static_cast<std::uint8_t*>(dest);
  if (!s->reader.read_exact(out, length)) return s->reader.error() ? SPNG_IO_ERROR : SPNG_IO_EOF;
  s->tracker.feed({out, length});
  return 0;
}

ColorModel color_of(const spng_ihdr& ihdr) {
  switch (ihdr.color_type) {
    case SPNG_COLOR_TYPE_GRAYSCALE: return ColorModel::gray;
    case SPNG_COLOR_TYPE_INDEXED: return ColorModel::palette;
    case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA: return ColorModel::gray_alpha;
    case SPNG_COLOR_TYPE_TRUECOLOR_ALPHA: return ColorModel::rgba;
    default: return ColorModel::rgb;
  }
}

unsigned channels_of(const spng_ihdr& ihdr) {
  switch (ihdr.color_type) {
    case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA: return 2;
    case SPNG_COLOR_TYPE_TRUECOLOR: return 3;
    case SPNG_COLOR_TYPE_TRUECOLOR_ALPHA: return 4;
    default: return 1;
  }
}

// A libspng error as a refusal a person can act on, placed by the chunk tracker.
ImageCheck problem_of(int err, const Stream& s, const ImageLimits& limits) {
  const PngChunkTracker& t = s.tracker;
  switch (err) {
    case SPNG_IO_EOF:
      return refused(Errc::not_an_image, t.truncation());
    case SPNG_IO_ERROR:
      return refused(Errc::internal, std::string("cannot read the file: ") + std::strerror(s.reader.error()));
    case SPNG_ECHUNK_CRC:
      return refused(Errc::not_an_image, "CRC mismatch in " + t.last_complete());
    case SPNG_ECHUNK_LIMITS:
      return refused(Errc::too_large, "metadata chunks over the limit of " +
                                          mebibytes(limits.max_metadata_bytes) + " (or 1000 chunks)");
    case SPNG_EWIDTH: case SPNG_EHEIGHT: case SPNG_EBIT_DEPTH: case SPNG_ECOLOR_TYPE:
    case SPNG_ECOMPRESSION_METHOD: case SPNG_EFILTER_METHOD: case SPNG_EINTERLACE_METHOD:
    case SPNG_EIHDR_SIZE: case SPNG_ENOIHDR:
      return refused(Errc::not_an_image, std::string("bad IHDR: ") + spng_strerror(err));
    case SPNG_EZLIB: case SPNG_EIDAT_STREAM: case SPNG_EIDAT_TOO_SHORT: case SPNG_EFILTER:
      return refused(Errc::not_an_image, std::string("image data does not decode: ") + spng_strerror(err) +
                                             " (in " + t.current() + ")");
    default:
      return refused(Errc::not_an_image, std::string(spng_strerror(err)) + " (in the " + t.current() + " chunk)");
  }
}

// Adam7: where each pass's pixels start in a row and how far apart they are.
constexpr std::uint32_t kPassFirst[7] = {0, 4, 0, 2, 0, 1, 0};
constexpr std::uint32_t kPassStep[7] = {8, 8, 4, 4, 2, 2, 1};

// Decodes every row as 8-bit RGBA (16-bit samples cut to 8, tRNS made alpha) into
// `sink`. libspng's row decode places an interlaced pass's pixels where they belong
// in a full-width row, so memory stays one row. Returns SPNG_EOI when all went well.
int decode_rows_to(spng_ctx* c, const spng_ihdr& ihdr, RowSink& sink) {
  std::size_t image_bytes = 0;
  int err = spng_decoded_image_size(c, SPNG_FMT_RGBA8, &image_bytes);
  if (!err) err = spng_decode_image(c, nullptr, 0, SPNG_FMT_RGBA8, SPNG_DECODE_PROGRESSIVE | SPNG_DECODE_TRNS);
  if (err) return err;
  if (!sink.begin(ihdr.width, ihdr.height, RowFormat::rgba)) return SPNG_EMEM;
  std::vector<std::uint8_t> row(image_bytes / ihdr.height);
  bool interlaced = ihdr.interlace_method == SPNG_INTERLACE_ADAM7;
  do {
    spng_row_info info{};
    if ((err = spng_get_row_info(c, &info))) return err;
    err = spng_decode_row(c, row.data(), row.size());
    if (err == 0 || err == SPNG_EOI) {
      int pass = interlaced ? info.pass : 6;
      if (pass >= 0 && pass < 7) sink.row(info.row_num, row.data(), kPassFirst[pass], kPassStep[pass]);
    }
  } while (err == 0);
  return err;
}

// The IHDR's facts, and the EXIF ones when libspng has read an eXIf so far.
ImageCheck facts_of(spng_ctx* c, const spng_ihdr& ihdr) {
  ImageCheck ok;
  ok.facts.format = ImageKind::png;
  ok.facts.width = ihdr.width;
  ok.facts.height = ihdr.height;
  ok.facts.bit_depth = ihdr.bit_depth;
  ok.facts.color = color_of(ihdr);
  ok.facts.progressive = ihdr.interlace_method == SPNG_INTERLACE_ADAM7;
  spng_exif exif{};
  if (spng_get_exif(c, &exif) == 0 && exif.data) {
    read_exif_facts({reinterpret_cast<const std::uint8_t*>(exif.data), exif.length}, ok.facts);
  }
  return ok;
}

}  // namespace

ImageCheck check_png(int fd, const ImageLimits& limits, RowSink* sink, FileGrowth* growth) {
  // The zlib stream's Adler-32 is not checked (here nor in png_image_data.cpp): every
  // IDAT's CRC already covers the compressed bytes it would cover after inflation, and it
  // was a quarter of the decode of a stored-deflate PNG.
  std::unique_ptr<spng_ctx, SpngFree> ctx(spng_ctx_new(SPNG_CTX_IGNORE_ADLER32));
  if (!ctx) return refused(Errc::internal, "out of memory");
  Stream stream{FdReader(fd, growth), {}};
  spng_ctx* c = ctx.get();
  auto fail = [&](int err) { return problem_of(err, stream, limits); };
  int err = spng_set_crc_action(c, SPNG_CRC_ERROR, SPNG_CRC_ERROR);
  if (!err) err = spng_set_chunk_limits(c, limits.max_metadata_bytes, limits.max_metadata_bytes);
  if (!err) err = spng_set_png_stream(c, read_stream, &stream);
  spng_ihdr ihdr{};
  if (!err) err = spng_get_ihdr(c, &ihdr);
  if (err) return fail(err);

  // The bomb check comes before any image-sized work: the header alone decides.
  if (auto p = pixel_limit_problem(ihdr.width, ihdr.height, limits); !p.empty()) return refused(Errc::too_large, p);
  std::uint64_t row_bytes = (std::uint64_t{ihdr.width} * channels_of(ihdr) * ihdr.bit_depth + 7) / 8 + 1;
  // libspng keeps about three rows (current, previous, deinterlaced) and we one more.
  if (4 * row_bytes > limits.max_decoder_memory) {
    return refused(Errc::too_large, memory_limit_message(4 * row_bytes, limits, "rows this wide"));
  }

  if (!sink) {
    // libspng reads the chunks before the image data (their rules, the metadata limit, an
    // eXIf) and stops in the first IDAT; png_image_data.cpp reads the rest, faster.
    if ((err = spng_decode_chunks(c))) return fail(err);
    ImageCheck ok = facts_of(c, ihdr);
    PngScanlines scanlines{ihdr.width, ihdr.height, channels_of(ihdr) * ihdr.bit_depth,
                           ihdr.interlace_method == SPNG_INTERLACE_ADAM7};
    if (auto p = check_png_image_data(stream.reader, stream.tracker, scanlines, limits.max_metadata_bytes, ok.facts)) {
      return refused(p->code, p->message);
    }
    return ok;
  }

  err = decode_rows_to(c, ihdr, *sink);
  if (err == SPNG_EMEM) return refused(Errc::internal, "out of memory for the decoded rows");
  if (err != SPNG_EOI) return fail(err);
  if ((err = spng_decode_chunks(c))) return fail(err);
  // libspng 0.7.3 takes a failed read of IEND's CRC for "discard this chunk" (both are
  // -1), so a file cut inside IEND's CRC passes it; the tracker knows better.
  if (!stream.tracker.between_chunks() || stream.tracker.last_complete() != "IEND") {
    return refused(Errc::not_an_image, "truncated: the file ends inside the IEND chunk");
  }
  return facts_of(c, ihdr);
}

// The signature and IHDR (width, height, depth, colour type, interlace), then the chunks
// before the first IDAT for an eXIf; nothing is inflated. A file that ends, or reaches
// the reader's bound, before the eXIf search is over still has its IHDR facts.
std::optional<ImageFacts> read_png_header(int fd, std::size_t buffer_bytes, std::uint64_t max_bytes) {
  std::unique_ptr<spng_ctx, SpngFree> ctx(spng_ctx_new(0));
  if (!ctx) return std::nullopt;
  Stream stream{FdReader(fd, buffer_bytes, max_bytes), {}};
  spng_ctx* c = ctx.get();
  int err = spng_set_chunk_limits(c, max_bytes, max_bytes);
  if (!err) err = spng_set_png_stream(c, read_stream, &stream);
  spng_ihdr ihdr{};
  if (!err) err = spng_get_ihdr(c, &ihdr);
  if (err) return std::nullopt;
  ImageFacts facts;
  facts.format = ImageKind::png;
  facts.width = ihdr.width;
  facts.height = ihdr.height;
  facts.bit_depth = ihdr.bit_depth;
  facts.color = color_of(ihdr);
  facts.progressive = ihdr.interlace_method == SPNG_INTERLACE_ADAM7;
  spng_exif exif{};
  if (spng_get_exif(c, &exif) == 0 && exif.data) {
    read_exif_facts({reinterpret_cast<const std::uint8_t*>(exif.data), exif.length}, facts);
  }
  return facts;
}

}  // namespace imgsh::proto
