#include "imaging/quality.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numbers>
#include <random>

namespace phodex::imaging {
namespace {

uint8_t Clamp(double v) {
  return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

// A grey image with luma `level(x, y)`.
RgbImage Grey(int width, int height,
              const std::function<double(int, int)>& level) {
  RgbImage image{width, height,
                 std::vector<uint8_t>(static_cast<size_t>(width) * height * 3)};
  for (int y = 0; y < height; ++y) {
    uint8_t* row = image.Row(y);
    for (int x = 0; x < width; ++x) {
      std::fill_n(row + 3 * x, 3, Clamp(level(x, y)));
    }
  }
  return image;
}

// Detail at several scales: random tiles plus thin lines.
RgbImage Detailed(int width, int height) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> level(40, 200);
  std::vector<int> tiles(static_cast<size_t>(width / 4 + 1) * (height / 4 + 1));
  for (int& t : tiles) t = level(rng);
  return Grey(width, height, [&](int x, int y) {
    if (x % 23 == 0 || y % 31 == 0) return 230.0;
    return static_cast<double>(tiles[(y / 4) * (width / 4 + 1) + x / 4]);
  });
}

RgbImage Gradient(int width, int height) {
  return Grey(width, height, [&](int x, int y) {
    return 40 + 150.0 * x / width + 20.0 * y / height;
  });
}

uint8_t Luma(const RgbImage& image, int x, int y) {
  return image.Row(y)[3 * x];
}

RgbImage BoxBlur(const RgbImage& in, int radius) {
  return Grey(in.width, in.height, [&](int x, int y) {
    double sum = 0;
    int count = 0;
    for (int dy = -radius; dy <= radius; ++dy) {
      for (int dx = -radius; dx <= radius; ++dx) {
        const int sx = std::clamp(x + dx, 0, in.width - 1);
        const int sy = std::clamp(y + dy, 0, in.height - 1);
        sum += Luma(in, sx, sy);
        ++count;
      }
    }
    return sum / count;
  });
}

RgbImage WithNoise(const RgbImage& in, double sigma) {
  std::mt19937 rng(17);
  std::normal_distribution<double> noise(0, sigma);
  return Grey(in.width, in.height,
              [&](int x, int y) { return Luma(in, x, y) + noise(rng); });
}

TEST(Quality, BlurLowersSharpness) {
  const RgbImage sharp = Detailed(400, 300);
  const QualityMetrics original = MeasureQuality(sharp);
  const QualityMetrics blurred = MeasureQuality(BoxBlur(sharp, 2));
  EXPECT_GT(original.sharpness, 100);
  EXPECT_LT(blurred.sharpness, original.sharpness / 4);
}

TEST(Quality, OverExposedCopyClipsHighlights) {
  const RgbImage scene = Detailed(300, 200);
  const RgbImage bright =
      Grey(300, 200, [&](int x, int y) { return Luma(scene, x, y) * 1.5; });
  const QualityMetrics normal = MeasureQuality(scene);
  const QualityMetrics over = MeasureQuality(bright);
  EXPECT_GT(over.exposure, normal.exposure);
  EXPECT_GT(over.clipped_highlights, normal.clipped_highlights + 0.1);
  EXPECT_EQ(normal.clipped_shadows, 0);
}

TEST(Quality, DarkCopyClipsShadows) {
  const RgbImage scene = Detailed(300, 200);
  const QualityMetrics dark = MeasureQuality(
      Grey(300, 200, [&](int x, int y) { return Luma(scene, x, y) - 120; }));
  EXPECT_GT(dark.clipped_shadows, 0.3);
  EXPECT_LT(dark.exposure, MeasureQuality(scene).exposure);
}

TEST(Quality, UniformLevels) {
  const QualityMetrics grey =
      MeasureQuality(Grey(64, 48, [](int, int) { return 128; }));
  EXPECT_DOUBLE_EQ(grey.exposure, 128.0 / 255);
  EXPECT_EQ(grey.sharpness, 0);
  EXPECT_EQ(grey.noise, 0);
  const QualityMetrics white =
      MeasureQuality(Grey(64, 48, [](int, int) { return 255; }));
  EXPECT_EQ(white.clipped_highlights, 1);
  EXPECT_EQ(white.clipped_shadows, 0);
  EXPECT_EQ(
      MeasureQuality(Grey(8, 8, [](int, int) { return 3; })).clipped_shadows,
      1);
}

TEST(Quality, EstimatesAddedNoise) {
  const RgbImage clean = Gradient(400, 300);
  EXPECT_LT(MeasureQuality(clean).noise, 1);
  const double noise = MeasureQuality(WithNoise(clean, 5)).noise;
  EXPECT_GT(noise, 4);
  EXPECT_LT(noise, 6);
  EXPECT_GT(MeasureQuality(WithNoise(clean, 10)).noise, 8);
}

TEST(Quality, LargeImagesAreMeasuredAtTheNormalisedSize) {
  // 1024 x 768 is normalised to 512 x 384: the same as its 2x2 average.
  const RgbImage large = Detailed(1024, 768);
  const RgbImage half = Grey(512, 384, [&](int x, int y) {
    return (Luma(large, 2 * x, 2 * y) + Luma(large, 2 * x + 1, 2 * y) +
            Luma(large, 2 * x, 2 * y + 1) + Luma(large, 2 * x + 1, 2 * y + 1)) /
           4.0;
  });
  const QualityMetrics a = MeasureQuality(large);
  const QualityMetrics b = MeasureQuality(half);
  EXPECT_NEAR(a.sharpness, b.sharpness, b.sharpness * 0.02);
  EXPECT_NEAR(a.exposure, b.exposure, 0.005);
  // Sensor noise is averaged down with the pixels.
  const QualityMetrics noisy =
      MeasureQuality(WithNoise(Gradient(1024, 768), 8));
  EXPECT_LT(noisy.noise, 6);
}

TEST(Quality, TinyImagesWork) {
  const QualityMetrics one =
      MeasureQuality(Grey(1, 1, [](int, int) { return 255; }));
  EXPECT_EQ(one.sharpness, 0);
  EXPECT_EQ(one.clipped_highlights, 1);
  const QualityMetrics small =
      MeasureQuality(Grey(2, 3, [](int x, int y) { return 50.0 * x + y; }));
  EXPECT_EQ(small.noise, 0);
  EXPECT_GT(small.exposure, 0);
  MeasureQuality(Grey(3, 3, [](int x, int y) { return 80.0 * x + y; }));
  MeasureQuality(Grey(2000, 1, [](int x, int) { return x % 255; }));
}

}  // namespace
}  // namespace phodex::imaging
