#pragma once
// The one decoded image every pixel consumer works from (thumbnail,
// preview, perceptual hash, quality): 8-bit sRGB, three interleaved bands
// (R, G, B), rows top to bottom, as the photo is displayed: EXIF/RAW/video
// orientation applied, colour converted from the embedded ICC profile to
// sRGB, alpha flattened onto white. See docs/architecture.md ("Pixels").
//
// A plain value type (thread-compatible).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace phodex::imaging {

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // width * height * 3 bytes

  const uint8_t* Row(int y) const {
    return pixels.data() + static_cast<size_t>(y) * width * 3;
  }
  uint8_t* Row(int y) { return pixels.data() + static_cast<size_t>(y) * width * 3; }
};

}  // namespace phodex::imaging
