#include "imaging/perceptual_hash.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "imaging/luma.h"

namespace phodex::imaging {
namespace {

constexpr int kSide = 32;  // the image is reduced to kSide x kSide luma
constexpr int kLow = 8;    // the kLow x kLow lowest frequencies are kept
// Coefficients smaller than this (in luma levels) are rounding noise: a flat
// image's AC terms come out as +-1e-14, and thresholding those at their
// median would give it arbitrary bits. Snapped to 0, a flat image hashes
// to just the DC bit (perceptual_hash.h). One 8-bit step on one source pixel of
// a 24-megapixel image still moves a coefficient by ~1e-5.
constexpr double kRoundingNoise = 1e-7;

// block[u][v]: u the vertical frequency (rows), v the horizontal (columns).
using Block = std::array<std::array<double, kLow>, kLow>;

// Orthonormal DCT-II basis: kCos[k][n] = a(k) cos(pi (2n + 1) k / 2N).
// Only the scale of the DC row relative to the others matters here, and
// only for the DC bit of near-black images; orthonormal is the usual one.
const std::array<std::array<double, kSide>, kLow>& CosineTable() {
  static const auto table = [] {
    std::array<std::array<double, kSide>, kLow> t{};
    for (int k = 0; k < kLow; ++k) {
      const double scale = std::sqrt((k == 0 ? 1.0 : 2.0) / kSide);
      for (int n = 0; n < kSide; ++n) {
        t[k][n] = scale *
                  std::cos(std::numbers::pi * (2 * n + 1) * k / (2.0 * kSide));
      }
    }
    return t;
  }();
  return table;
}

// The kLow x kLow lowest coefficients of the separable 2-D DCT-II: rows
// first (kSide x kLow), then columns.
Block LowFrequencies(const LumaPlane& plane) {
  const auto& c = CosineTable();
  std::array<std::array<double, kLow>, kSide> rows{};  // rows[y][v]
  for (int y = 0; y < kSide; ++y) {
    for (int v = 0; v < kLow; ++v) {
      double sum = 0;
      for (int x = 0; x < kSide; ++x) sum += c[v][x] * plane.At(x, y);
      rows[y][v] = sum;
    }
  }
  Block block{};
  for (int u = 0; u < kLow; ++u) {
    for (int v = 0; v < kLow; ++v) {
      double sum = 0;
      for (int y = 0; y < kSide; ++y) sum += c[u][y] * rows[y][v];
      block[u][v] = std::abs(sum) < kRoundingNoise ? 0.0 : sum;
    }
  }
  return block;
}

// Bit 63 - (u * 8 + v) is set when block[u][v] is above the median of the
// 63 AC coefficients (the DC term, a multiple of the mean brightness, is
// left out of the median so it cannot shift it; its own bit says whether
// it is above that median, which it is unless the image is near black).
uint64_t HashOf(const Block& block) {
  std::array<double, kLow * kLow - 1> ac;
  for (int i = 1; i < kLow * kLow; ++i) ac[i - 1] = block[i / kLow][i % kLow];
  const auto middle = ac.begin() + ac.size() / 2;
  std::nth_element(ac.begin(), middle, ac.end());
  const double median = *middle;
  uint64_t hash = 0;
  for (int u = 0; u < kLow; ++u) {
    for (int v = 0; v < kLow; ++v) {
      if (block[u][v] > median) hash |= uint64_t{1} << (63 - (u * kLow + v));
    }
  }
  return hash;
}

// The coefficients of the image turned `quarter_turns` x 90 degrees
// clockwise. Turning an N x N image f clockwise gives g[y][x] =
// f[N-1-x][y]; substituting into the DCT and using cos of the mirrored
// sample C[k][N-1-n] = (-1)^k C[k][n]:
//    90 cw:  G[u][v] = (-1)^v     F[v][u]
//   180:     G[u][v] = (-1)^(u+v) F[u][v]
//   270 cw:  G[u][v] = (-1)^u     F[v][u]
// Exact for the 32 x 32 plane, and the area resize commutes with turning
// (each axis is resampled on its own), so for any input size.
Block Turned(const Block& f, int quarter_turns) {
  Block g{};
  for (int u = 0; u < kLow; ++u) {
    for (int v = 0; v < kLow; ++v) {
      switch (quarter_turns) {
        case 1:
          g[u][v] = (v % 2 ? -1 : 1) * f[v][u];
          break;
        case 2:
          g[u][v] = ((u + v) % 2 ? -1 : 1) * f[u][v];
          break;
        default:
          g[u][v] = (u % 2 ? -1 : 1) * f[v][u];
          break;
      }
    }
  }
  return g;
}

}  // namespace

PerceptualHash ComputePerceptualHash(const RgbImage& image) {
  const Block block = LowFrequencies(AreaResizeLuma(image, kSide, kSide));
  PerceptualHash result;
  result.hash = HashOf(block);
  for (int turns = 1; turns <= 3; ++turns) {
    result.rotated[turns - 1] = HashOf(Turned(block, turns));
  }
  return result;
}

}  // namespace phodex::imaging
