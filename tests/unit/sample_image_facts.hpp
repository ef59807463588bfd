#pragma once
// Image facts with every field set (a camera JPEG), for the unit tests of the
// facts' JSON and of the list entries that carry them.
#include "protocol/image_facts.hpp"

namespace imgsh::proto::sample {

inline ImageFacts camera_jpeg_facts() {
  ImageFacts f;
  f.format = ImageKind::jpeg;
  f.width = 6000;
  f.height = 4000;
  f.bit_depth = 8;
  f.color = ColorModel::ycbcr;
  f.progressive = true;
  f.capture_time = "2024-02-29T13:45:07";
  f.orientation = 6;
  f.camera_model = "Canon EOS R5";
  return f;
}

}  // namespace imgsh::proto::sample
