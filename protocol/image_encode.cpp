#include "protocol/image_encode.hpp"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <vector>

#include <jpeglib.h>
#include <spng.h>

namespace imgsh::proto {
namespace {

struct JpegEncoder {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr err{};
  std::jmp_buf on_error{};
  unsigned char* out = nullptr;
  unsigned long out_size = 0;
};

// libjpeg's fatal errors must not return: back to compress() (nothing with a
// destructor lives in the frames in between).
[[noreturn]] void error_exit(j_common_ptr cinfo) {
  std::longjmp(static_cast<JpegEncoder*>(cinfo->client_data)->on_error, 1);
}

bool compress(JpegEncoder& e, const RgbaImage& image, const std::uint8_t* rgb, int quality) {
  if (setjmp(e.on_error)) return false;
  jpeg_create_compress(&e.cinfo);
  e.cinfo.client_data = &e;
  jpeg_mem_dest(&e.cinfo, &e.out, &e.out_size);
  e.cinfo.image_width = image.width;
  e.cinfo.image_height = image.height;
  e.cinfo.input_components = 3;
  e.cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&e.cinfo);
  jpeg_set_quality(&e.cinfo, quality, TRUE);
  jpeg_start_compress(&e.cinfo, TRUE);
  while (e.cinfo.next_scanline < e.cinfo.image_height) {
    JSAMPROW row = const_cast<std::uint8_t*>(rgb + std::size_t{e.cinfo.next_scanline} * image.width * 3);
    jpeg_write_scanlines(&e.cinfo, &row, 1);
  }
  jpeg_finish_compress(&e.cinfo);
  return true;
}

struct SpngFree {
  void operator()(spng_ctx* ctx) const { spng_ctx_free(ctx); }
};

}  // namespace

std::string encode_jpeg(const RgbaImage& image, int quality) {
  if (image.width == 0 || image.height == 0) throw std::runtime_error("no image to encode");
  std::vector<std::uint8_t> rgb(std::size_t{image.width} * image.height * 3);
  for (std::size_t i = 0, n = std::size_t{image.width} * image.height; i < n; ++i) {
    for (int c = 0; c < 3; ++c) rgb[i * 3 + c] = image.pixels[i * 4 + c];
  }
  JpegEncoder e;
  e.cinfo.err = jpeg_std_error(&e.err);
  e.err.error_exit = error_exit;
  bool ok = compress(e, image, rgb.data(), quality);
  jpeg_destroy_compress(&e.cinfo);
  std::unique_ptr<unsigned char, decltype(&std::free)> owned(e.out, &std::free);
  if (!ok) throw std::runtime_error("JPEG encoding failed");
  return std::string(reinterpret_cast<const char*>(e.out), e.out_size);
}

std::string encode_png(const RgbaImage& image) {
  if (image.width == 0 || image.height == 0) throw std::runtime_error("no image to encode");
  std::unique_ptr<spng_ctx, SpngFree> ctx(spng_ctx_new(SPNG_CTX_ENCODER));
  if (!ctx) throw std::bad_alloc();
  spng_ihdr ihdr{};
  ihdr.width = image.width;
  ihdr.height = image.height;
  ihdr.bit_depth = 8;
  ihdr.color_type = SPNG_COLOR_TYPE_TRUECOLOR_ALPHA;
  int err = spng_set_option(ctx.get(), SPNG_ENCODE_TO_BUFFER, 1);
  if (!err) err = spng_set_ihdr(ctx.get(), &ihdr);
  if (!err) err = spng_encode_image(ctx.get(), image.pixels.data(), image.pixels.size(), SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
  std::size_t size = 0;
  void* buffer = err ? nullptr : spng_get_png_buffer(ctx.get(), &size, &err);
  std::unique_ptr<void, decltype(&std::free)> owned(buffer, &std::free);
  if (err || !buffer) throw std::runtime_error(std::string("PNG encoding failed: ") + spng_strerror(err));
  return std::string(static_cast<const char*>(buffer), size);
}

}  // namespace imgsh::proto
