#include "imaging/reorient.h"

#include <cstring>
#include <utility>

namespace phodex::imaging {

RgbImage Reorient(RgbImage image, unsigned flip) {
  flip &= 7;
  if (flip == kFlipNone) return image;
  const bool transpose = (flip & 4) != 0;
  RgbImage out;
  out.width = transpose ? image.height : image.width;
  out.height = transpose ? image.width : image.height;
  out.pixels.resize(image.pixels.size());
  // out(row, col) = in(flip_index(row, col)), as dcraw's flip_index.
  for (int row = 0; row < out.height; ++row) {
    uint8_t* dst = out.Row(row);
    for (int col = 0; col < out.width; ++col) {
      int src_row = row;
      int src_col = col;
      if (transpose) std::swap(src_row, src_col);
      if ((flip & 2) != 0) src_row = image.height - 1 - src_row;
      if ((flip & 1) != 0) src_col = image.width - 1 - src_col;
      std::memcpy(dst + static_cast<size_t>(col) * 3,
                  image.Row(src_row) + static_cast<size_t>(src_col) * 3, 3);
    }
  }
  return out;
}

unsigned FlipForClockwiseDegrees(int degrees) {
  switch (((degrees % 360) + 360) % 360) {
    case 90:
      return kFlip90Cw;
    case 180:
      return kFlip180;
    case 270:
      return kFlip90Ccw;
    default:
      return kFlipNone;
  }
}

}  // namespace phodex::imaging
