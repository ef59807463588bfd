// JPEG validation with the libjpeg API of libjpeg-turbo (libjpeg62-turbo): markers parse,
// a frame header is present, all entropy-coded data decodes, and the EOI marker ends it.
//
// Why this API and not TurboJPEG's tj* functions: those take the whole file in memory;
// this one reads through a source manager (here: pread into one buffer) and hands out
// scanlines, so memory is a buffer and a few rows. Decoding at scale 1/8 skips nearly
// all IDCT and colour work, while the Huffman (or arithmetic) decoder still has to walk
// every coefficient of every block: corruption there still shows. A progressive JPEG is
// the exception to small memory: libjpeg keeps all its coefficients until the last scan,
// so that memory is estimated from the frame header and capped (max_decoder_memory).
//
// libjpeg reports fatal errors through error_exit, which must not return: it longjmps
// back to decode(). Nothing with a destructor lives in the frames it jumps over.
#include <algorithm>
#include <climits>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <jpeglib.h>
#include <jerror.h>

#include "protocol/exif_facts.hpp"
#include "protocol/fd_reader.hpp"
#include "protocol/image_decoders.hpp"

namespace imgsh::proto {
namespace {

struct Decoder {
  jpeg_decompress_struct cinfo{};
  jpeg_error_mgr err{};
  jpeg_source_mgr src{};
  jpeg_progress_mgr progress{};
  std::jmp_buf on_error{};
  FdReader* reader = nullptr;
  const ImageLimits* limits = nullptr;
  RowSink* sink = nullptr;          // wants the decoded rows (thumbnails); null: validation only
  bool header_only = false;         // read_jpeg_header: stop after the frame header
  Errc code = Errc::not_an_image;
  std::string message;              // set before a longjmp
  std::vector<std::uint8_t> exif;   // the TIFF block of the first "Exif\0\0" APP1 segment
};

Decoder& self(j_common_ptr cinfo) { return *static_cast<Decoder*>(cinfo->client_data); }
Decoder& self(j_decompress_ptr cinfo) { return *static_cast<Decoder*>(cinfo->client_data); }

// Sets the refusal and jumps back to decode(). Only trivially destructible arguments:
// the frames between here and the setjmp are left without running destructors.
[[noreturn]] void fail(Decoder& d, Errc code, std::string_view what, std::string_view detail = {}) {
  d.code = code;
  d.message.assign(what);
  d.message.append(detail);
  std::longjmp(d.on_error, 1);
}

// The same when d.message is already set.
[[noreturn]] void fail_with_message(Decoder& d, Errc code) {
  d.code = code;
  std::longjmp(d.on_error, 1);
}

void error_exit(j_common_ptr cinfo) {
  Decoder& d = self(cinfo);
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  if (cinfo->err->msg_code == JERR_NO_BACKING_STORE) fail(d, Errc::too_large, "over the decoder memory limit");
  fail(d, Errc::not_an_image, "bad JPEG data: ", text);
}

// libjpeg reports damaged entropy data as warnings and carries on with a patched-up
// image; a validator must not. Other warnings (an unknown JFIF revision, an odd Adobe
// transform code) describe harmless oddities and are let through.
void emit_message(j_common_ptr cinfo, int level) {
  if (level != -1) return;  // trace messages
  switch (cinfo->err->msg_code) {
    case JWRN_ARITH_BAD_CODE: case JWRN_BOGUS_PROGRESSION: case JWRN_EXTRANEOUS_DATA: case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE: case JWRN_JPEG_EOF: case JWRN_MUST_RESYNC: case JWRN_NOT_SEQUENTIAL: {
      char text[JMSG_LENGTH_MAX];
      (*cinfo->err->format_message)(cinfo, text);
      fail(self(cinfo), Errc::not_an_image, "JPEG entropy-coded data is damaged: ", text);
    }
    default: return;
  }
}

void init_source(j_decompress_ptr) {}
void term_source(j_decompress_ptr) {}

// The end of the file before libjpeg has seen EOI is the truncation a validator exists
// to catch, so it is fatal here (the stock managers insert a fake EOI and warn).
boolean fill_input_buffer(j_decompress_ptr cinfo) {
  Decoder& d = self(cinfo);
  auto bytes = d.reader->next();
  if (bytes.empty()) {
    if (d.reader->error()) fail(d, Errc::internal, "cannot read the file: ", std::strerror(d.reader->error()));
    fail(d, Errc::not_an_image, "truncated: JPEG data ends early (no EOI marker)");
  }
  cinfo->src->next_input_byte = bytes.data();
  cinfo->src->bytes_in_buffer = bytes.size();
  return TRUE;
}

void skip_input_data(j_decompress_ptr cinfo, long count) {
  while (count > 0) {
    if (cinfo->src->bytes_in_buffer == 0) fill_input_buffer(cinfo);
    std::size_t step = std::min(static_cast<std::size_t>(count), cinfo->src->bytes_in_buffer);
    cinfo->src->next_input_byte += step;
    cinfo->src->bytes_in_buffer -= step;
    count -= static_cast<long>(step);
  }
}

std::uint8_t next_byte(j_decompress_ptr cinfo) {
  if (cinfo->src->bytes_in_buffer == 0) fill_input_buffer(cinfo);
  --cinfo->src->bytes_in_buffer;
  return *cinfo->src->next_input_byte++;
}

// Keeps the first EXIF APP1 segment (at most 64 KiB by the marker's own length field)
// and skips every other APP1 (XMP, more EXIF), so many APP1 segments cost no memory.
boolean read_app1(j_decompress_ptr cinfo) {
  Decoder& d = self(cinfo);
  long length = (long{next_byte(cinfo)} << 8) | next_byte(cinfo);
  if (length < 2) fail(d, Errc::not_an_image, "bad JPEG data: an APP1 segment length below 2");
  length -= 2;
  static constexpr std::uint8_t kExif[6] = {'E', 'x', 'i', 'f', 0, 0};
  if (d.exif.empty() && length > 6 + 8) {
    std::uint8_t id[6];
    for (auto& b : id) b = next_byte(cinfo);
    length -= 6;
    if (std::memcmp(id, kExif, 6) == 0) {
      d.exif.resize(static_cast<std::size_t>(length));
      for (auto& b : d.exif) b = next_byte(cinfo);
      return TRUE;
    }
  }
  if (length > 0) skip_input_data(cinfo, length);
  return TRUE;
}

// libjpeg-turbo's advice against a JPEG with thousands of tiny progressive scans.
void count_scans(j_common_ptr cinfo) {
  Decoder& d = self(cinfo);
  auto* dinfo = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (dinfo->input_scan_number > static_cast<int>(d.limits->max_jpeg_scans)) {
    d.message = "more than " + std::to_string(d.limits->max_jpeg_scans) + " scans";
    fail_with_message(d, Errc::not_an_image);
  }
}

// What a multi-scan (progressive) JPEG's coefficient buffer takes: 64 two-byte
// coefficients per block, every block of every component, padded to whole MCUs.
std::uint64_t coefficient_bytes(const jpeg_decompress_struct& c) {
  std::uint64_t total = 0;
  for (int i = 0; i < c.num_components; ++i) {
    const jpeg_component_info& comp = c.comp_info[i];
    std::uint64_t w = comp.width_in_blocks + static_cast<std::uint64_t>(comp.h_samp_factor);
    std::uint64_t h = comp.height_in_blocks + static_cast<std::uint64_t>(comp.v_samp_factor);
    total += w * h * DCTSIZE2 * sizeof(JCOEF);
  }
  return total;
}

ColorModel color_of(J_COLOR_SPACE space) {
  switch (space) {
    case JCS_GRAYSCALE: return ColorModel::gray;
    case JCS_RGB: return ColorModel::rgb;
    case JCS_CMYK: return ColorModel::cmyk;
    case JCS_YCCK: return ColorModel::ycck;
    default: return ColorModel::ycbcr;
  }
}

// Everything libjpeg does, under one setjmp. Returns false with d.code/d.message set.
bool decode(Decoder& d, ImageFacts& facts) {
  if (setjmp(d.on_error)) return false;
  jpeg_decompress_struct& c = d.cinfo;
  jpeg_create_decompress(&c);
  c.client_data = &d;
  c.src = &d.src;
  c.progress = &d.progress;
  c.mem->max_memory_to_use = static_cast<long>(std::min<std::uint64_t>(d.limits->max_decoder_memory, LONG_MAX));
  jpeg_set_marker_processor(&c, JPEG_APP0 + 1, read_app1);
  // With require_image, a datastream of tables only is an error ("contains no image").
  jpeg_read_header(&c, TRUE);

  facts.format = ImageKind::jpeg;
  facts.width = c.image_width;
  facts.height = c.image_height;
  facts.bit_depth = static_cast<std::uint8_t>(c.data_precision);
  facts.color = color_of(c.jpeg_color_space);
  facts.progressive = c.progressive_mode;
  if (d.header_only) return true;
  // No std::string locals in this function: a longjmp back to its setjmp would skip
  // their destructors. Messages go straight into d.message.
  d.message = pixel_limit_problem(c.image_width, c.image_height, *d.limits);
  if (!d.message.empty()) fail_with_message(d, Errc::too_large);
  if (jpeg_has_multiple_scans(&c) && coefficient_bytes(c) > d.limits->max_decoder_memory) {
    d.message = memory_limit_message(coefficient_bytes(c), *d.limits, "a multi-scan JPEG this size");
    fail_with_message(d, Errc::too_large);
  }

  c.scale_num = 1;
  c.scale_denom = d.sink ? d.sink->jpeg_scale_denominator(c.image_width, c.image_height) : 8;
  c.dct_method = JDCT_IFAST;
  c.do_fancy_upsampling = FALSE;
  c.do_block_smoothing = FALSE;
  RowFormat format = RowFormat::rgb;
  if (d.sink) {
    // libjpeg converts YCbCr to RGB and YCCK to CMYK; CMYK it hands out as coded.
    if (c.jpeg_color_space == JCS_GRAYSCALE) {
      c.out_color_space = JCS_GRAYSCALE;
      format = RowFormat::gray;
    } else if (c.jpeg_color_space == JCS_CMYK || c.jpeg_color_space == JCS_YCCK) {
      c.out_color_space = JCS_CMYK;
      format = c.saw_Adobe_marker ? RowFormat::inverted_cmyk : RowFormat::cmyk;
    } else {
      c.out_color_space = JCS_RGB;
    }
  }
  jpeg_start_decompress(&c);
  if (d.sink && !d.sink->begin(c.output_width, c.output_height, format)) {
    fail(d, Errc::internal, "out of memory for the decoded rows");
  }
  JSAMPARRAY rows = (*c.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&c), JPOOL_IMAGE,
                                           c.output_width * static_cast<JDIMENSION>(c.output_components),
                                           static_cast<JDIMENSION>(c.rec_outbuf_height));
  while (c.output_scanline < c.output_height) {
    JDIMENSION first = c.output_scanline;
    JDIMENSION n = jpeg_read_scanlines(&c, rows, static_cast<JDIMENSION>(c.rec_outbuf_height));
    if (d.sink) {
      for (JDIMENSION i = 0; i < n; ++i) d.sink->row(first + i, rows[i], 0, 1);
    }
  }
  jpeg_finish_decompress(&c);  // reads on to EOI; the source refuses an end before it
  return true;
}

// Runs decode() over `reader`: all of it (rows to `sink` when given), or with
// header_only up to the first scan.
ImageCheck run_decoder(FdReader& reader, const ImageLimits& limits, bool header_only, RowSink* sink) {
  Decoder d;
  d.reader = &reader;
  d.limits = &limits;
  d.header_only = header_only;
  d.sink = sink;
  d.cinfo.err = jpeg_std_error(&d.err);
  d.err.error_exit = error_exit;
  d.err.emit_message = emit_message;
  d.src.init_source = init_source;
  d.src.fill_input_buffer = fill_input_buffer;
  d.src.skip_input_data = skip_input_data;
  d.src.resync_to_restart = jpeg_resync_to_restart;
  d.src.term_source = term_source;
  d.progress.progress_monitor = count_scans;
  // Allocated here, where a bad_alloc may propagate, not in the callbacks under libjpeg.
  d.message.reserve(1024);
  d.exif.reserve(0xFFFF);

  ImageCheck result;
  bool ok = decode(d, result.facts);
  jpeg_destroy_decompress(&d.cinfo);
  if (!ok) return refused(d.code, d.message);
  if (!d.exif.empty()) read_exif_facts(d.exif, result.facts);
  return result;
}

}  // namespace

ImageCheck check_jpeg(int fd, const ImageLimits& limits, RowSink* sink, FileGrowth* growth) {
  FdReader reader(fd, growth);
  return run_decoder(reader, limits, false, sink);
}

// jpeg_read_header reads the markers up to the first SOS (tables, APPn, the frame
// header) and no entropy-coded data; the reader's bound stops a header that never ends.
std::optional<ImageFacts> read_jpeg_header(int fd, std::size_t buffer_bytes, std::uint64_t max_bytes) {
  FdReader reader(fd, buffer_bytes, max_bytes);
  ImageCheck c = run_decoder(reader, ImageLimits{}, true, nullptr);
  if (!c.ok()) return std::nullopt;
  return c.facts;
}

}  // namespace imgsh::proto
