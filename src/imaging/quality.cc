#include "imaging/quality.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>

#include "imaging/luma.h"

namespace phodex::imaging {
namespace {

// Luma bounds of the clipped shares (inclusive), in 0..255 levels.
constexpr double kHighlightLuma = 250;
constexpr double kShadowLuma = 5;

// The luma plane the metrics are measured on: scaled down so the longest
// edge is kQualityEdge, or at native size when already smaller (enlarging
// would interpolate, which reads as blur and hides noise).
LumaPlane NormalisedLuma(const RgbImage& image) {
  const int longest = std::max(image.width, image.height);
  if (longest <= kQualityEdge) {
    return AreaResizeLuma(image, image.width, image.height);
  }
  auto scaled = [&](int edge) {
    const int64_t v = (int64_t{edge} * kQualityEdge + longest / 2) / longest;
    return static_cast<int>(std::max<int64_t>(1, v));
  };
  return AreaResizeLuma(image, scaled(image.width), scaled(image.height));
}

void MeasureLevels(const LumaPlane& plane, QualityMetrics& m) {
  double sum = 0;
  size_t highlights = 0;
  size_t shadows = 0;
  for (double v : plane.values) {
    sum += v;
    highlights += v >= kHighlightLuma;
    shadows += v <= kShadowLuma;
  }
  const double count = static_cast<double>(plane.values.size());
  m.exposure = sum / count / 255.0;
  m.clipped_highlights = static_cast<double>(highlights) / count;
  m.clipped_shadows = static_cast<double>(shadows) / count;
}

// Variance of the 4-neighbour Laplacian [0 1 0; 1 -4 1; 0 1 0] over the
// interior pixels. REQUIRES: plane at least 3 x 3.
double LaplacianVariance(const LumaPlane& p) {
  double sum = 0;
  double sum_squares = 0;
  for (int y = 1; y + 1 < p.height; ++y) {
    for (int x = 1; x + 1 < p.width; ++x) {
      const double l = p.At(x - 1, y) + p.At(x + 1, y) + p.At(x, y - 1) +
                       p.At(x, y + 1) - 4 * p.At(x, y);
      sum += l;
      sum_squares += l * l;
    }
  }
  const double n = static_cast<double>(p.width - 2) * (p.height - 2);
  const double mean = sum / n;
  return std::max(0.0, sum_squares / n - mean * mean);
}

// Immerkaer (1996), "Fast noise variance estimation": the mask
// [1 -2 1; -2 4 -2; 1 -2 1] (the difference of two Laplacians) cancels
// image structure up to second order, leaving mostly noise, and
//   sigma = sqrt(pi / 2) / (6 (W - 2) (H - 2)) * sum |I * M|.
// REQUIRES: plane at least 3 x 3.
double ImmerkaerSigma(const LumaPlane& p) {
  double sum = 0;
  for (int y = 1; y + 1 < p.height; ++y) {
    for (int x = 1; x + 1 < p.width; ++x) {
      const double corners = p.At(x - 1, y - 1) + p.At(x + 1, y - 1) +
                             p.At(x - 1, y + 1) + p.At(x + 1, y + 1);
      const double edges =
          p.At(x, y - 1) + p.At(x - 1, y) + p.At(x + 1, y) + p.At(x, y + 1);
      sum += std::abs(corners - 2 * edges + 4 * p.At(x, y));
    }
  }
  const double n = static_cast<double>(p.width - 2) * (p.height - 2);
  return std::sqrt(std::numbers::pi / 2) * sum / (6 * n);
}

}  // namespace

QualityMetrics MeasureQuality(const RgbImage& image) {
  const LumaPlane plane = NormalisedLuma(image);
  QualityMetrics metrics;
  MeasureLevels(plane, metrics);
  if (plane.width >= 3 && plane.height >= 3) {
    metrics.sharpness = LaplacianVariance(plane);
    metrics.noise = ImmerkaerSigma(plane);
  }
  return metrics;
}

}  // namespace phodex::imaging
