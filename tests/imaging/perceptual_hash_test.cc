#include "imaging/perceptual_hash.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numbers>
#include <random>

namespace phodex::imaging {
namespace {

using Rgb = std::array<uint8_t, 3>;

uint8_t Clamp(double v) {
  return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

RgbImage MakeImage(int width, int height,
                   const std::function<Rgb(int, int)>& pixel) {
  RgbImage image{width, height,
                 std::vector<uint8_t>(static_cast<size_t>(width) * height * 3)};
  for (int y = 0; y < height; ++y) {
    uint8_t* row = image.Row(y);
    for (int x = 0; x < width; ++x) {
      const Rgb p = pixel(x, y);
      std::copy(p.begin(), p.end(), row + 3 * x);
    }
  }
  return image;
}

// A photo-like scene: soft waves, a bright rectangle and a dark disc,
// placed by `variant`, in colour, values within 30..220.
RgbImage Scene(int width, int height, int variant) {
  std::mt19937 rng(variant);
  std::uniform_real_distribution<double> unit(0, 1);
  const double fx = 0.5 + 2 * unit(rng), fy = 0.5 + 2 * unit(rng);
  const double phase = 6 * unit(rng);
  const double rx = unit(rng) * 0.5, ry = unit(rng) * 0.5;
  const double cx = unit(rng), cy = unit(rng);
  return MakeImage(width, height, [&](int x, int y) {
    const double u = (x + 0.5) / width, v = (y + 0.5) / height;
    double l = 110 + 40 * std::sin(2 * std::numbers::pi * fx * u + phase) *
                         std::cos(2 * std::numbers::pi * fy * v);
    if (u > rx && u < rx + 0.4 && v > ry && v < ry + 0.3) l += 60;
    if (std::hypot(u - cx, v - cy) < 0.2) l -= 60;
    return Rgb{Clamp(l * 1.1), Clamp(l), Clamp(l * 0.8)};
  });
}

// Random 8 x 8 tiles of grey with a fixed seed: a texture with no symmetry.
RgbImage Texture(int width, int height, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> level(30, 220);
  const int tiles_x = (width + 7) / 8;
  std::vector<uint8_t> tiles(static_cast<size_t>(tiles_x) * ((height + 7) / 8));
  for (auto& t : tiles) t = static_cast<uint8_t>(level(rng));
  return MakeImage(width, height, [&](int x, int y) {
    const uint8_t t = tiles[(y / 8) * tiles_x + x / 8];
    return Rgb{t, static_cast<uint8_t>(255 - t), static_cast<uint8_t>(t / 2)};
  });
}

const uint8_t* At(const RgbImage& image, int x, int y) {
  return image.Row(y) + 3 * x;
}

// Turned 90 degrees clockwise: the bottom-left pixel becomes the top-left.
RgbImage TurnClockwise(const RgbImage& in) {
  return MakeImage(in.height, in.width, [&](int x, int y) {
    const uint8_t* p = At(in, y, in.height - 1 - x);
    return Rgb{p[0], p[1], p[2]};
  });
}

RgbImage Turn(RgbImage image, int quarter_turns) {
  for (int i = 0; i < quarter_turns; ++i) image = TurnClockwise(image);
  return image;
}

RgbImage HalfSize(const RgbImage& in) {
  return MakeImage(in.width / 2, in.height / 2, [&](int x, int y) {
    Rgb out{};
    for (int c = 0; c < 3; ++c) {
      out[c] = Clamp((At(in, 2 * x, 2 * y)[c] + At(in, 2 * x + 1, 2 * y)[c] +
                      At(in, 2 * x, 2 * y + 1)[c] +
                      At(in, 2 * x + 1, 2 * y + 1)[c]) /
                     4.0);
    }
    return out;
  });
}

RgbImage Scaled(const RgbImage& in, double factor) {
  return MakeImage(in.width, in.height, [&](int x, int y) {
    const uint8_t* p = At(in, x, y);
    return Rgb{Clamp(p[0] * factor), Clamp(p[1] * factor),
               Clamp(p[2] * factor)};
  });
}

int Distance(const RgbImage& a, const RgbImage& b) {
  return HammingDistance(ComputePerceptualHash(a).hash,
                         ComputePerceptualHash(b).hash);
}

constexpr uint64_t kDcBit = uint64_t{1} << 63;

uint64_t Bit(int u, int v) { return uint64_t{1} << (63 - (u * 8 + v)); }

TEST(PerceptualHash, FlatImageHasOnlyTheDcBit) {
  const PerceptualHash grey =
      ComputePerceptualHash(MakeImage(40, 30, [](int, int) {
        return Rgb{120, 120, 120};
      }));
  EXPECT_EQ(grey.hash, kDcBit);
  for (uint64_t r : grey.rotated) EXPECT_EQ(r, kDcBit);
  EXPECT_EQ(ComputePerceptualHash(MakeImage(7, 5,
                                            [](int, int) {
                                              return Rgb{0, 0, 0};
                                            }))
                .hash,
            0u);
}

TEST(PerceptualHash, TinyImagesWork) {
  const RgbImage one = MakeImage(1, 1, [](int, int) { return Rgb{9, 200, 7}; });
  EXPECT_EQ(ComputePerceptualHash(one).hash, kDcBit);
  const RgbImage two_by_three = MakeImage(2, 3, [](int x, int y) {
    return Rgb{static_cast<uint8_t>(40 * x + 60 * y), 100, 100};
  });
  const PerceptualHash h = ComputePerceptualHash(two_by_three);
  EXPECT_EQ(h.rotated[0], ComputePerceptualHash(Turn(two_by_three, 1)).hash);
  ComputePerceptualHash(MakeImage(3, 1, [](int x, int) {
    return Rgb{static_cast<uint8_t>(x * 90), 0, 0};
  }));
}

TEST(PerceptualHash, BitOrderIsRowsOfVerticalFrequency) {
  // Brightness following the first horizontal cosine: F[0][1] is the one
  // large AC term; nothing varies vertically, so no u >= 1 bit is set.
  auto wave = [](double t) {
    return Clamp(128 + 100 * std::cos(std::numbers::pi * (2 * t + 1) / 64));
  };
  const RgbImage across = MakeImage(32, 32, [&](int x, int) {
    const uint8_t l = wave(x);
    return Rgb{l, l, l};
  });
  const uint64_t h = ComputePerceptualHash(across).hash;
  EXPECT_TRUE(h & kDcBit);
  EXPECT_TRUE(h & Bit(0, 1));
  EXPECT_EQ(h & ((uint64_t{1} << 56) - 1), 0u) << std::hex << h;
  const RgbImage down = MakeImage(32, 32, [&](int, int y) {
    const uint8_t l = wave(y);
    return Rgb{l, l, l};
  });
  const uint64_t v = ComputePerceptualHash(down).hash;
  EXPECT_TRUE(v & Bit(1, 0));
  for (int u = 0; u < 8; ++u) {
    for (int k = 1; k < 8; ++k) EXPECT_FALSE(v & Bit(u, k)) << u << "," << k;
  }
}

TEST(PerceptualHash, RotatedHashesEqualHashesOfTurnedImages) {
  struct Case {
    int width, height;
  };
  for (const Case c :
       {Case{256, 256}, Case{300, 200}, Case{97, 61}, Case{20, 45}}) {
    SCOPED_TRACE(std::to_string(c.width) + "x" + std::to_string(c.height));
    for (const RgbImage& image :
         {Texture(c.width, c.height, 7), Scene(c.width, c.height, 3)}) {
      const PerceptualHash original = ComputePerceptualHash(image);
      for (int turns = 1; turns <= 3; ++turns) {
        const PerceptualHash turned = ComputePerceptualHash(Turn(image, turns));
        EXPECT_EQ(turned.hash, original.rotated[turns - 1])
            << turns << std::hex << " " << turned.hash << " "
            << original.rotated[turns - 1];
        // Turning the rest of the way round gives the original back.
        EXPECT_EQ(turned.rotated[3 - turns], original.hash) << turns;
      }
    }
  }
}

TEST(PerceptualHash, RotatedHashesDifferFromTheOriginal) {
  const PerceptualHash h = ComputePerceptualHash(Texture(128, 96, 11));
  for (uint64_t r : h.rotated) EXPECT_GT(HammingDistance(h.hash, r), 10);
}

TEST(PerceptualHash, HalfSizeCopyIsClose) {
  for (int variant = 0; variant < 4; ++variant) {
    const RgbImage scene = Scene(320, 240, variant);
    EXPECT_LE(Distance(scene, HalfSize(scene)), 3) << variant;
  }
  const RgbImage texture = Texture(301, 233, 5);
  EXPECT_LE(Distance(texture, HalfSize(texture)), 4);
}

TEST(PerceptualHash, BrighterCopyIsClose) {
  for (int variant = 0; variant < 4; ++variant) {
    const RgbImage scene = Scene(320, 240, variant);
    EXPECT_LE(Distance(scene, Scaled(scene, 1.1)), 3) << variant;
  }
}

TEST(PerceptualHash, NoisyCopyIsClose) {
  const RgbImage scene = Scene(320, 240, 2);
  std::mt19937 rng(42);
  std::normal_distribution<double> noise(0, 4);
  RgbImage noisy = scene;
  for (uint8_t& p : noisy.pixels) p = Clamp(p + noise(rng));
  EXPECT_LE(Distance(scene, noisy), 4);
}

TEST(PerceptualHash, DifferentImagesAreAboutHalfTheBitsApart) {
  std::vector<RgbImage> images;
  for (int i = 0; i < 4; ++i) images.push_back(Scene(200, 150, 10 + i));
  for (int i = 0; i < 4; ++i) images.push_back(Texture(200, 150, 20 + i));
  int total = 0, pairs = 0;
  for (size_t i = 0; i < images.size(); ++i) {
    for (size_t j = i + 1; j < images.size(); ++j) {
      const int d = Distance(images[i], images[j]);
      EXPECT_GE(d, 12) << i << " vs " << j;
      total += d;
      ++pairs;
    }
  }
  EXPECT_NEAR(static_cast<double>(total) / pairs, 32, 8);
}

}  // namespace
}  // namespace phodex::imaging
