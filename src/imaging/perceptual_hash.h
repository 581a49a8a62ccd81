#pragma once
// The 64-bit DCT perceptual hash (pHash's construction): the image as
// displayed, reduced to 32 x 32 luminance, 2-D DCT-II, the 8 x 8 lowest
// frequencies, one bit per coefficient: above the median or not. Resizing,
// recompression, small crops and exposure changes move few bits; a
// different photo moves about half of them.
//
// Precisely: Rec.601 luma of the sRGB values, area-averaged to 32 x 32
// (imaging/luma.h; any input size, smaller ones enlarged), orthonormal
// DCT-II coefficients F[u][v] for u, v in 0..7 (u the vertical frequency,
// v the horizontal one; F[0][0] the DC term). The median is taken over the
// 63 AC coefficients only, so the bright DC term cannot shift it. Bit
// 63 - (8u + v) is set when F[u][v] > that median: F[0][0] is the most
// significant bit (set unless the image is near black), F[7][7] the least.
// With distinct coefficients exactly 31 AC bits are set. A flat image
// (all AC terms 0) hashes to 1 << 63, a black one to 0.
//
// A copy whose pixels are turned 90/180/270 degrees without an orientation
// tag saying so is displayed turned: its hash equals one of this image's
// `rotated` hashes (computed from the same DCT coefficients, transposed
// and sign-flipped), so `phodex similar` finds it too. The equality is
// exact up to floating-point rounding for any input size, because the
// area resize commutes with turning.
//
// Pure functions of the pixels; thread-safe.

#include <array>
#include <cstdint>

#include "imaging/rgb_image.h"

namespace phodex::imaging {

struct PerceptualHash {
  uint64_t hash = 0;  // of the image as displayed
  // The hash of the image turned 90, 180 and 270 degrees clockwise:
  // rotated[0] == ComputePerceptualHash(image turned 90 cw).hash, etc.
  std::array<uint64_t, 3> rotated{};
};

// Cost: one pass over the pixels, then constant work.
// REQUIRES: image is non-empty.
PerceptualHash ComputePerceptualHash(const RgbImage& image);

inline int HammingDistance(uint64_t a, uint64_t b) {
  return __builtin_popcountll(a ^ b);
}

}  // namespace phodex::imaging
