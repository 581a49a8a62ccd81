#pragma once
// Technical quality measured from the one decode (docs/pixels.md):
//   sharpness: variance of the Laplacian of the luminance, on the image
//     scaled to a normalised size (longest edge 512) so values compare
//     across resolutions; low = blurry;
//   exposure: mean luminance, 0 (black) .. 1 (white);
//   clipped_highlights / clipped_shadows: share of pixels at >= 250 /
//     <= 5 of 255 in luminance (0..1);
//   noise: estimated standard deviation of the noise in 0..255 luminance
//     levels (Immerkaer's fast estimator on the same normalised image).
//
// The normalised image: Rec.601 luma (imaging/luma.h), area-averaged down
// so the longest edge is kQualityEdge. Smaller images are measured at
// their native size, not enlarged: interpolation would fake blur. Noise is
// what the normalised image holds: a large photo's sensor noise is
// averaged down with its pixels (by about the scale factor). Sharpness uses the
// 4-neighbour Laplacian [0 1 0; 1 -4 1; 0 1 0] over the interior pixels; noise
// is sqrt(pi/2) / (6 (W-2) (H-2)) * sum |I * [1 -2 1; -2 4 -2; 1 -2 1]|. Images
// narrower or lower than 3 pixels (after normalising) report sharpness and
// noise 0.
//
// Pure functions of the pixels; thread-safe.

#include "imaging/rgb_image.h"

namespace phodex::imaging {

struct QualityMetrics {
  double sharpness = 0;
  double exposure = 0;
  double clipped_highlights = 0;
  double clipped_shadows = 0;
  double noise = 0;
};

// The longest edge the metrics are computed at.
inline constexpr int kQualityEdge = 512;

// Cost: one pass over the pixels, then O(kQualityEdge^2).
// REQUIRES: image is non-empty.
QualityMetrics MeasureQuality(const RgbImage& image);

}  // namespace phodex::imaging
