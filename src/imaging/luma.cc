#include "imaging/luma.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "core/error.h"

namespace phodex::imaging {
namespace {

// The source pixels one output pixel averages along one axis:
// weights[first_weight .. first_weight + count) for sources first.. .
struct AxisTap {
  int first = 0;
  int count = 0;
  size_t first_weight = 0;
};

struct AxisTaps {
  std::vector<AxisTap> taps;  // one per output pixel
  std::vector<double> weights;
};

// Output pixel o covers source interval [o * src, (o + 1) * src) measured
// in units of 1/dst source pixels, so overlaps are exact integers (no
// drift for long rows) and the weights of one output pixel sum to 1.
AxisTaps AreaTaps(int src, int dst) {
  AxisTaps result;
  result.taps.resize(dst);
  const int64_t s = src;
  const int64_t d = dst;
  for (int64_t o = 0; o < d; ++o) {
    const int64_t begin = o * s;
    const int64_t end = begin + s;
    AxisTap& tap = result.taps[o];
    tap.first = static_cast<int>(begin / d);
    tap.first_weight = result.weights.size();
    for (int64_t i = tap.first; i * d < end; ++i) {
      const int64_t overlap =
          std::min(end, (i + 1) * d) - std::max(begin, i * d);
      result.weights.push_back(static_cast<double>(overlap) /
                               static_cast<double>(s));
      ++tap.count;
    }
  }
  return result;
}

// Per-channel luma contributions, so a pixel costs three loads and adds.
struct LumaTable {
  std::array<double, 256> r, g, b;
};

const LumaTable& Rec601() {
  static const LumaTable table = [] {
    LumaTable t;
    for (int v = 0; v < 256; ++v) {
      t.r[v] = 0.299 * v;
      t.g[v] = 0.587 * v;
      t.b[v] = 0.114 * v;
    }
    return t;
  }();
  return table;
}

}  // namespace

LumaPlane AreaResizeLuma(const RgbImage& image, int width, int height) {
  PHODEX_CHECK(image.width > 0 && image.height > 0);
  PHODEX_CHECK(image.pixels.size() >=
               static_cast<size_t>(image.width) * image.height * 3);
  PHODEX_CHECK(width > 0 && height > 0);
  const LumaTable& luma = Rec601();
  const AxisTaps columns = AreaTaps(image.width, width);
  const AxisTaps rows = AreaTaps(image.height, height);

  // Horizontal pass: every source row reduced to `width` values.
  std::vector<double> source_row(image.width);
  std::vector<double> narrow(static_cast<size_t>(image.height) * width);
  for (int y = 0; y < image.height; ++y) {
    const uint8_t* p = image.Row(y);
    for (int x = 0; x < image.width; ++x, p += 3) {
      source_row[x] = luma.r[p[0]] + luma.g[p[1]] + luma.b[p[2]];
    }
    double* out = &narrow[static_cast<size_t>(y) * width];
    for (int o = 0; o < width; ++o) {
      const AxisTap& tap = columns.taps[o];
      double sum = 0;
      for (int k = 0; k < tap.count; ++k) {
        sum +=
            columns.weights[tap.first_weight + k] * source_row[tap.first + k];
      }
      out[o] = sum;
    }
  }

  // Vertical pass.
  LumaPlane plane{width, height,
                  std::vector<double>(static_cast<size_t>(width) * height)};
  for (int o = 0; o < height; ++o) {
    const AxisTap& tap = rows.taps[o];
    double* out = &plane.values[static_cast<size_t>(o) * width];
    for (int k = 0; k < tap.count; ++k) {
      const double w = rows.weights[tap.first_weight + k];
      const double* in = &narrow[static_cast<size_t>(tap.first + k) * width];
      for (int x = 0; x < width; ++x) out[x] += w * in[x];
    }
  }
  return plane;
}

}  // namespace phodex::imaging
