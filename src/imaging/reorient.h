#pragma once
// Internal to imaging/: turning and mirroring an RgbImage in memory, for
// the decoders whose library does not do it (RAW previews, video frames).
// Pure functions; thread-safe.

#include "imaging/rgb_image.h"

namespace phodex::imaging {

// dcraw/LibRaw's `flip` bits, applied in this order to the output
// coordinates: 4 transposes, 2 mirrors top-bottom, 1 mirrors left-right.
// LibRaw's values for turns: 0 none, 3 = 180 degrees, 5 = 90 degrees
// counter-clockwise, 6 = 90 degrees clockwise.
inline constexpr unsigned kFlipNone = 0;
inline constexpr unsigned kFlip180 = 3;
inline constexpr unsigned kFlip90Ccw = 5;
inline constexpr unsigned kFlip90Cw = 6;

// The image as displayed after `flip` (0..7; width and height swapped when
// bit 4 is set).
RgbImage Reorient(RgbImage image, unsigned flip);

// The flip that turns an image `degrees` clockwise (a multiple of 90,
// any sign); 0 for other angles.
unsigned FlipForClockwiseDegrees(int degrees);

}  // namespace phodex::imaging
