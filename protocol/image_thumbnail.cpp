#include "protocol/image_thumbnail.hpp"

#include <new>

#include "protocol/image_encode.hpp"

namespace imgsh::proto {

ShrunkImage shrink_image_file(int fd, std::string_view name, std::uint32_t edge, const ImageLimits& limits) {
  AreaDownscale shrink(edge);
  ImageCheck check = check_image_file(fd, name, limits, &shrink);
  ShrunkImage result;
  result.facts = check.facts;
  result.problem = check.problem;
  if (check.ok()) result.image = shrink.finish(check.facts.orientation);
  return result;
}

Thumbnail encode_thumbnail(const RgbaImage& image) {
  Thumbnail thumb;
  thumb.width = image.width;
  thumb.height = image.height;
  thumb.format = image.has_alpha ? ImageKind::png : ImageKind::jpeg;
  thumb.bytes = image.has_alpha ? encode_png(image) : encode_jpeg(image);
  return thumb;
}

}  // namespace imgsh::proto
