// Decode (imaging/decoder.h) of RAW files (embedded previews, half-size
// demosaic) and videos (one frame, display rotation), on corpus files
// and files made here.

#include <gtest/gtest.h>

#include "tests/imaging/decoder_test_support.h"

namespace phodex::imaging {
namespace {

// -------------------------------------------------------------------- RAW

// Panasonic.rw2 (exiftool's stub: real sizes, an 8 x 8 preview, sensor
// data cut off) with exiv2-bug884b.jpg (640 x 426) written in as its
// preview. (LibRaw 0.20 reads uninitialised memory when it demosaics the
// cut-off data, so the stub is only used for its preview.)
std::string RawWithPreview(const TempDir& dir, const std::string& name) {
  const std::string raw = dir.Copy(Photo("exiftool/Panasonic.rw2"), name);
  const std::string preview = Photo("exiv2/exiv2-bug884b.jpg");
  EXPECT_TRUE(RunTool("exiftool -overwrite_original '-JpgFromRaw<=" + preview +
                      "' " + Quote(raw)));
  return raw;
}


// A minimal uncompressed DNG, 400 x 300 RGGB, no preview: its left half
// bright, its right half dark. The corpus has no RAW with sensor data that
// LibRaw 0.20 decodes, so this is the half-size demosaic's input.
std::string TinyDng(uint16_t orientation) {
  constexpr uint32_t kWidth = 400, kHeight = 300;
  struct Entry {
    uint16_t tag, type;
    uint32_t count;
    std::string data;  // little-endian value(s)
  };
  auto shorts = [](std::initializer_list<uint16_t> v) {
    std::string s;
    for (uint16_t x : v) s += Le16(x);
    return s;
  };
  auto longs = [](std::initializer_list<uint32_t> v) {
    std::string s;
    for (uint32_t x : v) s += Le32(x);
    return s;
  };
  std::string identity;  // ColorMatrix1: the identity, as SRATIONALs
  for (int i = 0; i < 9; ++i) identity += Le32(i % 4 == 0 ? 1 : 0) + Le32(1);
  std::vector<Entry> entries = {
      {254, 4, 1, longs({0})},
      {256, 4, 1, longs({kWidth})},
      {257, 4, 1, longs({kHeight})},
      {258, 3, 1, shorts({16})},
      {259, 3, 1, shorts({1})},
      {262, 3, 1, shorts({32803})},  // CFA
      {271, 2, 7, std::string("Phodex\0", 7)},
      {272, 2, 5, std::string("Test\0", 5)},
      {273, 4, 1, longs({0})},  // strip offset, patched below
      {274, 3, 1, shorts({orientation})},
      {277, 3, 1, shorts({1})},
      {278, 4, 1, longs({kHeight})},
      {279, 4, 1, longs({kWidth * kHeight * 2})},
      {284, 3, 1, shorts({1})},
      {33421, 3, 2, shorts({2, 2})},
      {33422, 1, 4, std::string("\0\1\1\2", 4)},  // RGGB
      {50706, 1, 4, std::string("\1\4\0\0", 4)},  // DNG 1.4
      {50708, 2, 12, std::string("Phodex Test\0", 12)},
      {50721, 10, 9, identity},
      {50728, 5, 3, longs({1, 1, 1, 1, 1, 1})},  // AsShotNeutral
      {50778, 3, 1, shorts({21})},               // D65
  };
  const uint32_t ifd_size = 2 + 12 * static_cast<uint32_t>(entries.size()) + 4;
  const uint32_t extra_offset = 8 + ifd_size;
  std::string ifd = Le16(static_cast<uint16_t>(entries.size()));
  std::string extra;
  size_t strip_field = 0;
  for (Entry& e : entries) {
    ifd += Le16(e.tag) + Le16(e.type) + Le32(e.count);
    if (e.tag == 273) strip_field = 8 + ifd.size();
    if (e.data.size() <= 4) {
      e.data.resize(4, '\0');
      ifd += e.data;
    } else {
      ifd += Le32(extra_offset + static_cast<uint32_t>(extra.size()));
      extra += e.data;
      if (extra.size() % 2 != 0) extra += '\0';
    }
  }
  ifd += Le32(0);  // no next IFD
  std::string dng = std::string("II*\0", 4) + Le32(8) + ifd + extra;
  const uint32_t strip = static_cast<uint32_t>(dng.size());
  for (int i = 0; i < 4; ++i)
    dng[strip_field + i] = static_cast<char>((strip >> (8 * i)) & 0xFF);
  for (uint32_t y = 0; y < kHeight; ++y) {
    for (uint32_t x = 0; x < kWidth; ++x)
      dng += Le16(x < kWidth / 2 ? 50000 : 5000);
  }
  return dng;
}

// Mean green of a rectangle.
double MeanGreen(const RgbImage& image, int x0, int y0, int x1, int y1) {
  double sum = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) sum += Pixel(image, x, y)[1];
  return sum / ((x1 - x0) * (y1 - y0));
}

TEST(DecodeRaw, HalfSizeDemosaicWhenThereIsNoPreview) {
  TempDir dir;
  WriteFile(dir.File("upright.dng"), TinyDng(1));
  auto d = Decode(dir.File("upright.dng"), MediaKind::kRaw, Target(100));
  ASSERT_TRUE(d) << d.error().ToString();
  ExpectWellFormed(*d);
  EXPECT_EQ(d->path, DecodePath::kRawHalfSize);
  EXPECT_EQ(d->source_width, 400);
  EXPECT_EQ(d->source_height, 300);
  EXPECT_EQ(d->image.width, 100);  // 200 x 150 half size, shrunk
  EXPECT_EQ(d->image.height, 75);
  // Bright on the left, dark on the right.
  EXPECT_GT(MeanGreen(d->image, 5, 5, 45, 70),
            MeanGreen(d->image, 55, 5, 95, 70) + 50);

  // Orientation 6: LibRaw turns it clockwise, the left half goes on top.
  WriteFile(dir.File("turned.dng"), TinyDng(6));
  auto turned = Decode(dir.File("turned.dng"), MediaKind::kRaw, Target(100));
  ASSERT_TRUE(turned) << turned.error().ToString();
  EXPECT_EQ(turned->image.width, 75);
  EXPECT_EQ(turned->image.height, 100);
  EXPECT_EQ(turned->source_width, 300);
  EXPECT_EQ(turned->source_height, 400);
  EXPECT_GT(MeanGreen(turned->image, 5, 5, 70, 45),
            MeanGreen(turned->image, 5, 55, 70, 95) + 50);

  // Never enlarged: the half-size image is the most a RAW gives.
  auto big = Decode(dir.File("upright.dng"), MediaKind::kRaw, Target(1600));
  ASSERT_TRUE(big) << big.error().ToString();
  EXPECT_EQ(big->image.width, 200);
  EXPECT_EQ(big->image.height, 150);
}

TEST(DecodeRaw, LargeEnoughPreviewIsUsed) {
  TempDir dir;
  const std::string raw = RawWithPreview(dir, "p.rw2");
  auto d = Decode(raw, MediaKind::kRaw, Target(400));
  ASSERT_TRUE(d) << d.error().ToString();
  ExpectWellFormed(*d);
  EXPECT_EQ(d->path, DecodePath::kRawPreview);
  EXPECT_EQ(d->image.width, 400);
  EXPECT_EQ(d->image.height, 266);
  EXPECT_EQ(d->source_width, 3664);
  EXPECT_EQ(d->source_height, 2754);
  // The preview's pixels, as the JPEG itself decodes.
  auto jpeg =
      Decode(Photo("exiv2/exiv2-bug884b.jpg"), MediaKind::kPhoto, Target(400));
  ASSERT_TRUE(jpeg) << jpeg.error().ToString();
  EXPECT_LT(MeanDiff(d->image, jpeg->image), 1.0);
}

TEST(DecodeRaw, PreviewSmallerThanTheTargetIsNotUsed) {
  // The stub's 640-pixel preview cannot serve 1000 pixels: LibRaw tries
  // the demosaic (which fails or not on the stub's missing data: see
  // RawWithPreview), never the preview.
  TempDir dir;
  const std::string raw = RawWithPreview(dir, "p.rw2");
  auto d = Decode(raw, MediaKind::kRaw, Target(1000));
  if (d) {
    EXPECT_EQ(d->path, DecodePath::kRawHalfSize);
  }
}

TEST(DecodeRaw, BenchmarkCanForceTheDemosaic) {
  TempDir dir;
  WriteFile(dir.File("t.dng"), TinyDng(1));
  auto forced = DecodeRawHalfSizeForBench(dir.File("t.dng"), Target(100));
  ASSERT_TRUE(forced) << forced.error().ToString();
  EXPECT_EQ(forced->path, DecodePath::kRawHalfSize);
  EXPECT_EQ(forced->image.width, 100);
  auto preview =
      DecodeRawHalfSizeForBench(RawWithPreview(dir, "p.rw2"), Target(400));
  if (preview) {
    EXPECT_EQ(preview->path, DecodePath::kRawHalfSize);
  }
}

TEST(DecodeRaw, PreviewIsTurnedByTheRawOrientation) {
  TempDir dir;
  const std::string raw = RawWithPreview(dir, "p6.rw2");
  ASSERT_TRUE(
      RunTool("exiftool -overwrite_original -n -Orientation=6 " + Quote(raw)));
  auto d = Decode(raw, MediaKind::kRaw, Target(400));
  ASSERT_TRUE(d) << d.error().ToString();
  EXPECT_EQ(d->path, DecodePath::kRawPreview);
  EXPECT_EQ(d->image.width, 266);
  EXPECT_EQ(d->image.height, 400);
  EXPECT_EQ(d->source_width, 2754);
  EXPECT_EQ(d->source_height, 3664);
  auto jpeg =
      Decode(Photo("exiv2/exiv2-bug884b.jpg"), MediaKind::kPhoto, Target(400));
  ASSERT_TRUE(jpeg) << jpeg.error().ToString();
  EXPECT_LT(MeanDiffTurnedClockwise(d->image, jpeg->image), 1.0);
}

struct RawCase {
  const char* file;
  ErrorCode code;  // kOk: decodes
};

TEST(DecodeRaw, CorpusStubsFailCleanly) {
  // The exiftool RAWs are metadata stubs without sensor data; LibRaw
  // 0.20 does not know the Canon R6 or the cut-down CR2 and X3F files.
  const RawCase cases[] = {
      {"exiftool/CanonRaw.cr2", ErrorCode::kUnsupported},
      {"exiftool/CanonRaw.cr3", ErrorCode::kContentFault},
      {"exiftool/CanonRaw.crw", ErrorCode::kContentFault},
      {"exiftool/DNG.dng", ErrorCode::kContentFault},
      {"exiftool/FujiFilm.raf", ErrorCode::kContentFault},
      {"exiftool/Minolta.mrw", ErrorCode::kContentFault},
      {"exiftool/Nikon.nef", ErrorCode::kContentFault},
      {"exiftool/PhaseOne.iiq", ErrorCode::kContentFault},
      {"exiftool/KyoceraRaw.raw", ErrorCode::kContentFault},
      {"exiftool/Sigma.x3f", ErrorCode::kUnsupported},
      {"exiv2/Canon-R6-pruned.CR3", ErrorCode::kUnsupported},
      {"exiv2/IMG_1361.dng", ErrorCode::kContentFault},
      {"exiv2/exiv2-canon-powershot-s40.crw", ErrorCode::kContentFault},
  };
  for (const RawCase& c : cases) {
    SCOPED_TRACE(c.file);
    auto d = Decode(Photo(c.file), MediaKind::kRaw, Target(400));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code(), c.code) << d.error().ToString();
    EXPECT_EQ(d.error().path(), Photo(c.file));
  }
}

TEST(DecodeRaw, FujiPreviewServesSmallTargets) {
  // FujiFilm.raf's sensor data is cut off, but its 160 x 120 JPEG preview
  // is there: enough for a 100-pixel thumbnail.
  auto d = Decode(Photo("exiftool/FujiFilm.raf"), MediaKind::kRaw, Target(100));
  ASSERT_TRUE(d) << d.error().ToString();
  EXPECT_EQ(d->path, DecodePath::kRawPreview);
  EXPECT_EQ(std::max(d->image.width, d->image.height), 100);
}

// ------------------------------------------------------------------ video

struct VideoCase {
  const char* file;
  int width, height;  // at target 320
  int source_width, source_height;
};

TEST(DecodeVideo, FrameHasTheDisplayAspect) {
  const VideoCase cases[] = {
      {"exiv2/sample_640x360.mov", 320, 180, 640, 360},  // H.264
      {"exiv2/small_video.mp4", 180, 320, 216, 384},     // HEVC, portrait
      {"exiv2/flame.avi", 256, 240, 256, 240},           // Cinepak
  };
  for (const VideoCase& c : cases) {
    SCOPED_TRACE(c.file);
    auto d = Decode(Video(c.file), MediaKind::kVideo, Target(320));
    ASSERT_TRUE(d) << d.error().ToString();
    ExpectWellFormed(*d);
    EXPECT_EQ(d->path, DecodePath::kVideoFrame);
    EXPECT_EQ(d->image.width, c.width);
    EXPECT_EQ(d->image.height, c.height);
    EXPECT_EQ(d->source_width, c.source_width);
    EXPECT_EQ(d->source_height, c.source_height);
    EXPECT_GT(Spread(d->image), 5.0);  // a picture, not a blank frame
  }
}

TEST(DecodeVideo, DisplayMatrixRotationIsApplied) {
  TempDir dir;
  const std::string turned =
      dir.Copy(Video("exiv2/sample_640x360.mov"), "turned.mov");
  ASSERT_TRUE(
      RunTool("exiftool -overwrite_original -Rotation=90 " + Quote(turned)));
  auto d = Decode(turned, MediaKind::kVideo, Target(320));
  auto upright =
      Decode(Video("exiv2/sample_640x360.mov"), MediaKind::kVideo, Target(320));
  ASSERT_TRUE(d) << d.error().ToString();
  ASSERT_TRUE(upright) << upright.error().ToString();
  EXPECT_EQ(d->image.width, 180);
  EXPECT_EQ(d->image.height, 320);
  EXPECT_EQ(d->source_width, 360);
  EXPECT_EQ(d->source_height, 640);
  EXPECT_LT(MeanDiffTurnedClockwise(d->image, upright->image), 1.0);
}

TEST(DecodeVideo, StubsFailCleanlyOrDecode) {
  // exiftool's video fixtures carry little or no playable video.
  for (const char* file :
       {"exiftool/QuickTime.mov", "exiftool/RIFF.avi", "exiftool/Pentax.avi",
        "exiftool/M2TS.mts", "exiftool/Matroska.mkv"}) {
    SCOPED_TRACE(file);
    auto d = Decode(Video(file), MediaKind::kVideo, Target(320));
    if (d) {
      ExpectWellFormed(*d);
    } else {
      EXPECT_TRUE(d.error().code() == ErrorCode::kContentFault ||
                  d.error().code() == ErrorCode::kUnsupported)
          << d.error().ToString();
    }
  }
}

}  // namespace
}  // namespace phodex::imaging
