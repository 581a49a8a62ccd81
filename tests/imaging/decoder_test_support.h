#pragma once
// Shared helpers of the decoder tests (tests/imaging/*decoder_test.cc):
// corpus paths, a temp folder, tool runs, pixel checks.

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <random>
#include <thread>
#include <vector>

#include "imaging/decoder.h"

#include "tests/fakes/corpus.h"

namespace phodex::imaging {
namespace {

namespace fs = std::filesystem;

inline std::string CorpusFile(const std::string& relative) {
  return phodex::testing::CorpusDir() + "/" + relative;
}
inline std::string Photo(const std::string& name) {
  return CorpusFile("metadata/files/" + name);
}
inline std::string Video(const std::string& name) {
  return CorpusFile("video/files/" + name);
}

// A fresh folder, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    // Unique across the test files that include this header (each has
    // its own copy of this class).
    static int counter = 0;
    static const unsigned salt = std::random_device{}();
    path_ = fs::temp_directory_path() /
            ("phodex-decoder-test-" + std::to_string(::getpid()) + "-" +
             std::to_string(salt) + "-" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ / name; }
  // A writable copy of `from` named `name`.
  std::string Copy(const std::string& from, const std::string& name) const {
    const std::string to = File(name);
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write);
    return to;
  }

 private:
  fs::path path_;
};

inline std::string Quote(const std::string& s) { return "'" + s + "'"; }

// Runs a tool (exiftool, vips) quietly; true when it succeeded.
inline bool RunTool(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

inline void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline DecodeOptions Target(int edge) {
  DecodeOptions options;
  options.target_edge = edge;
  return options;
}

inline std::array<int, 3> Pixel(const RgbImage& image, int x, int y) {
  const uint8_t* p = image.Row(y) + static_cast<size_t>(x) * 3;
  return {p[0], p[1], p[2]};
}

// Every decode result is a well-formed 8-bit, three-band image.
inline void ExpectWellFormed(const DecodedImage& d) {
  EXPECT_GT(d.image.width, 0);
  EXPECT_GT(d.image.height, 0);
  EXPECT_EQ(d.image.pixels.size(),
            static_cast<size_t>(d.image.width) * d.image.height * 3);
}

// Mean absolute difference per channel between `turned` and `upright`
// turned 90 degrees clockwise: turned(x, y) = upright(x', y') with
// x' = y, y' = upright.height - 1 - x.
inline double MeanDiffTurnedClockwise(const RgbImage& turned,
                               const RgbImage& upright) {
  double sum = 0;
  for (int y = 0; y < turned.height; ++y) {
    for (int x = 0; x < turned.width; ++x) {
      const auto a = Pixel(turned, x, y);
      const auto b = Pixel(upright, y, upright.height - 1 - x);
      for (int c = 0; c < 3; ++c) sum += std::abs(a[c] - b[c]);
    }
  }
  return sum / (static_cast<double>(turned.width) * turned.height * 3);
}

inline double MeanDiff(const RgbImage& a, const RgbImage& b) {
  double sum = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i)
    sum += std::abs(int{a.pixels[i]} - int{b.pixels[i]});
  return sum / static_cast<double>(a.pixels.size());
}

// Standard deviation of the green channel: 0 for a flat image.
inline double Spread(const RgbImage& image) {
  double sum = 0, sum2 = 0;
  const double n = static_cast<double>(image.width) * image.height;
  for (size_t i = 1; i < image.pixels.size(); i += 3) {
    sum += image.pixels[i];
    sum2 += static_cast<double>(image.pixels[i]) * image.pixels[i];
  }
  return std::sqrt(std::max(0.0, sum2 / n - (sum / n) * (sum / n)));
}


// Little-endian bytes, for the TIFF-based files made here.
inline std::string Le16(uint16_t v) {
  return {static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)};
}
inline std::string Le32(uint32_t v) {
  return Le16(static_cast<uint16_t>(v & 0xFFFF)) +
         Le16(static_cast<uint16_t>(v >> 16));
}

}  // namespace
}  // namespace phodex::imaging
