#pragma once
// Luminance planes for the pixel measures (perceptual_hash.h, quality.h):
// the Rec.601 luma of the 8-bit sRGB values (Y' = 0.299 R' + 0.587 G' +
// 0.114 B', on the gamma-encoded values, as pHash and the usual Laplacian
// sharpness measures define it), resized by area averaging.
//
// Internal to imaging: not part of its front header.
// Pure functions of their arguments; thread-safe.

#include <cstddef>
#include <vector>

#include "imaging/rgb_image.h"

namespace phodex::imaging {

// One channel of luma values in 0..255 (not rounded), rows top to bottom.
// A plain value type (thread-compatible).
struct LumaPlane {
  int width = 0;
  int height = 0;
  std::vector<double> values;  // width * height, row-major

  double At(int x, int y) const {
    return values[static_cast<size_t>(y) * width + x];
  }
};

// The luma of `image` resized to `width` x `height` by area averaging (a box
// filter): each output pixel is the mean of the source area it covers,
// source pixels it covers in part weighted by the covered fraction. Any
// ratio works, non-integer ones included; when enlarging, an output pixel
// takes the one or two source pixels under it. The result is exactly the
// same whether or not the image is first turned by a multiple of 90
// degrees (up to floating-point rounding), since each axis is resampled
// on its own. Requesting the image's own size returns its luma unchanged.
// Cost: O(source pixels + source rows * width + output pixels).
// REQUIRES: image is non-empty (pixels holds width * height * 3 bytes);
//   width >= 1 and height >= 1.
LumaPlane AreaResizeLuma(const RgbImage& image, int width, int height);

}  // namespace phodex::imaging
