// Decode and Encode (imaging/decoder.h) on the shared corpus and on files
// made here: orientation, size, colour, alpha, RAW previews and demosaic,
// video frames, and bad input.
//
// Variants of corpus files (another orientation tag, a bigger RAW preview,
// a rotated video) are made with exiftool, and synthetic images with the
// `vips` tool, both test dependencies from scripts/setup.sh. Hostile files
// are not decoded here: that is the isolated workers' job.

#include <gtest/gtest.h>

#include "tests/imaging/decoder_test_support.h"

namespace phodex::imaging {
namespace {

// ------------------------------------------------------------------ photos

// The Samsung photo is stored 4032 x 3024 with EXIF orientation 6.
constexpr char kTurnedJpeg[] = "exiv2/exiv2-bug2565.jpg";

TEST(Decode, ExifOrientationSixIsTurnedClockwise) {
  auto turned = Decode(Photo(kTurnedJpeg), MediaKind::kPhoto, Target(400));
  ASSERT_TRUE(turned) << turned.error().ToString();
  ExpectWellFormed(*turned);
  EXPECT_EQ(turned->image.width, 300);
  EXPECT_EQ(turned->image.height, 400);
  EXPECT_EQ(turned->source_width, 3024);
  EXPECT_EQ(turned->source_height, 4032);
  EXPECT_EQ(turned->path, DecodePath::kLibvips);

  // The same pixels without the tag are the stored, landscape picture.
  TempDir dir;
  const std::string upright_path = dir.Copy(Photo(kTurnedJpeg), "upright.jpg");
  ASSERT_TRUE(RunTool("exiftool -overwrite_original -n -Orientation=1 " +
                      Quote(upright_path)));
  auto upright = Decode(upright_path, MediaKind::kPhoto, Target(400));
  ASSERT_TRUE(upright) << upright.error().ToString();
  ASSERT_EQ(upright->image.width, 400);
  ASSERT_EQ(upright->image.height, 300);
  EXPECT_EQ(upright->source_width, 4032);
  // Top-left of the turned picture is the bottom-left of the stored one,
  // and so on for every pixel.
  EXPECT_LT(MeanDiffTurnedClockwise(turned->image, upright->image), 2.0);
  EXPECT_GT(Spread(upright->image), 10.0);  // a real picture, not flat
}

struct SizeCase {
  const char* file;
  int target;
  int width, height;  // expected
};

TEST(Decode, LongestEdgeIsTheTargetAndNeverUpscaled) {
  const SizeCase cases[] = {
      {kTurnedJpeg, 1600, 1200, 1600},
      {"exiv2/Reagan.jpg", 100, 100, 65},
      {"exiv2/Reagan.jpg", 1600, 200, 130},  // smaller than the target
      {"exiv2/Reagan.tiff", 1600, 200, 130},
      {"exiv2/ReaganLargePng.png", 50, 50, 33},
      {"exiv2/exiv2-bug1199.webp", 300, 300, 200},
      {"exiv2/exiv2-bug922.tif", 100, 100, 9},  // 40 x 470, orientation 6
      {"exiftool/PNG.png", 1600, 0, 0},         // whatever size: well formed
  };
  for (const SizeCase& c : cases) {
    SCOPED_TRACE(c.file);
    auto d = Decode(Photo(c.file), MediaKind::kPhoto, Target(c.target));
    ASSERT_TRUE(d) << d.error().ToString();
    ExpectWellFormed(*d);
    if (c.width == 0) continue;
    EXPECT_EQ(d->image.width, c.width);
    EXPECT_EQ(d->image.height, c.height);
  }
}

TEST(Decode, AlphaIsFlattenedOntoWhite) {
  TempDir dir;
  const std::string clear = dir.File("clear.png");
  const std::string opaque = dir.File("opaque.png");
  // RGBA, all zero: transparent black. Then the same with alpha 255.
  ASSERT_TRUE(RunTool("vips black " + Quote(clear) + " 16 8 --bands 4"));
  ASSERT_TRUE(
      RunTool("vips black " + Quote(dir.File("rgb.v")) + " 16 8 --bands 3"));
  ASSERT_TRUE(RunTool("vips bandjoin_const " + Quote(dir.File("rgb.v")) + " " +
                      Quote(opaque) + " 255"));
  auto white = Decode(clear, MediaKind::kPhoto, Target(100));
  ASSERT_TRUE(white) << white.error().ToString();
  ExpectWellFormed(*white);
  EXPECT_EQ(white->image.width, 16);
  EXPECT_EQ(white->image.height, 8);
  EXPECT_TRUE(std::all_of(white->image.pixels.begin(),
                          white->image.pixels.end(),
                          [](uint8_t v) { return v == 255; }));
  auto black = Decode(opaque, MediaKind::kPhoto, Target(100));
  ASSERT_TRUE(black) << black.error().ToString();
  EXPECT_TRUE(std::all_of(black->image.pixels.begin(),
                          black->image.pixels.end(),
                          [](uint8_t v) { return v == 0; }));
}

TEST(Decode, GreyBecomesThreeEqualBands) {
  // A grey PNG with a grey ICC profile.
  auto d =
      Decode(Photo("exiv2/exiv2-bug1074.png"), MediaKind::kPhoto, Target(200));
  ASSERT_TRUE(d) << d.error().ToString();
  ExpectWellFormed(*d);
  for (size_t i = 0; i < d->image.pixels.size(); i += 3) {
    ASSERT_EQ(d->image.pixels[i], d->image.pixels[i + 1]);
    ASSERT_EQ(d->image.pixels[i], d->image.pixels[i + 2]);
  }
}

TEST(Decode, EmbeddedProfileIsConvertedToSrgb) {
  // Reagan.jpg is tagged Adobe RGB (1998): its numbers mean more saturated
  // colours than the same numbers in sRGB, so the conversion changes them.
  TempDir dir;
  const std::string untagged = dir.Copy(Photo("exiv2/Reagan.jpg"), "u.jpg");
  ASSERT_TRUE(RunTool("exiftool -overwrite_original -ICC_Profile:all= " +
                      Quote(untagged)));
  auto tagged =
      Decode(Photo("exiv2/Reagan.jpg"), MediaKind::kPhoto, Target(200));
  auto plain = Decode(untagged, MediaKind::kPhoto, Target(200));
  ASSERT_TRUE(tagged) << tagged.error().ToString();
  ASSERT_TRUE(plain) << plain.error().ToString();
  ASSERT_EQ(tagged->image.pixels.size(), plain->image.pixels.size());
  EXPECT_GT(MeanDiff(tagged->image, plain->image), 1.0);
}

TEST(Decode, CmykJpegBecomesRgb) {
  TempDir dir;
  const std::string cmyk = dir.File("cmyk.jpg");
  ASSERT_TRUE(RunTool("vips icc_export " + Quote(Photo("exiv2/Reagan.jpg")) +
                      " " + Quote(cmyk) + " --output-profile cmyk"));
  auto converted = Decode(cmyk, MediaKind::kPhoto, Target(200));
  auto original =
      Decode(Photo("exiv2/Reagan.jpg"), MediaKind::kPhoto, Target(200));
  ASSERT_TRUE(converted) << converted.error().ToString();
  ASSERT_TRUE(original) << original.error().ToString();
  ExpectWellFormed(*converted);
  ASSERT_EQ(converted->image.width, original->image.width);
  // CMYK's smaller gamut costs some colour, not the picture.
  EXPECT_LT(MeanDiff(converted->image, original->image), 12.0);
}

TEST(Decode, EveryPhotoFormatDecodes) {
  // Reagan.jpg saved by the vips tool in each format phodex catalogs as a
  // photo: the same picture comes back (GIF: within its 256 colours).
  auto reference =
      Decode(Photo("exiv2/Reagan.jpg"), MediaKind::kPhoto, Target(100));
  ASSERT_TRUE(reference) << reference.error().ToString();
  TempDir dir;
  const std::pair<const char*, const char*> formats[] = {
      {"t.png", "pngsave"},
      {"t.tif", "tiffsave"},
      {"t.webp", "webpsave"},
      {"t.jxl", "jxlsave"},
      {"t.avif", "heifsave --compression av1"},
      {"t.heic", "heifsave"},
      {"t.gif", "gifsave"},
      {"t.bmp", "magicksave"},
  };
  for (const auto& [name, saver] : formats) {
    SCOPED_TRACE(name);
    const std::string file = dir.File(name);
    ASSERT_TRUE(RunTool(std::string("vips ") + saver + " " +
                        Quote(Photo("exiv2/Reagan.jpg")) + " " + Quote(file)));
    auto d = Decode(file, MediaKind::kPhoto, Target(100));
    ASSERT_TRUE(d) << d.error().ToString();
    ASSERT_EQ(d->image.width, 100);
    ASSERT_EQ(d->image.height, 65);
    EXPECT_EQ(d->source_width, 200);
    EXPECT_LT(MeanDiff(d->image, reference->image), 8.0);
  }
}

TEST(Decode, EveryCorpusPhotoDecodes) {
  // All the JPEG, PNG, TIFF, WebP and HEIC files of the metadata corpus
  // but one (the HIF files are HeifIsTurnedOnceAndOnlyOnce's).
  const std::string skip = "QuickTime.heic";  // a header without pixels
  const std::vector<std::string> extensions = {".jpg",  ".png",  ".tif",
                                               ".tiff", ".webp", ".heic"};
  int decoded = 0;
  for (const char* set : {"exiftool", "exiv2"}) {
    for (const auto& entry : fs::directory_iterator(Photo(set))) {
      const std::string name = entry.path().filename();
      const std::string ext = entry.path().extension();
      if (name == skip || std::find(extensions.begin(), extensions.end(),
                                    ext) == extensions.end())
        continue;
      SCOPED_TRACE(name);
      auto d = Decode(entry.path(), MediaKind::kPhoto, Target(256));
      ASSERT_TRUE(d) << d.error().ToString();
      ExpectWellFormed(*d);
      EXPECT_EQ(std::max(d->image.width, d->image.height),
                std::min(256, std::max(d->source_width, d->source_height)));
      EXPECT_EQ(d->image.width > d->image.height,
                d->source_width > d->source_height);
      ++decoded;
    }
  }
  EXPECT_GE(decoded, 130);
}

// ------------------------------------------------------------------- HEIF

struct HeifCase {
  const char* file;
  bool portrait;  // as displayed
  int source_width, source_height;
};

TEST(Decode, HeifIsTurnedOnceAndOnlyOnce) {
  // The iPhone file has both an irot and EXIF orientation 6: libheif turns
  // it by irot, and it must not be turned again. The Sony files have
  // neither: their 90-degree variants are stored as portrait pixels.
  const HeifCase cases[] = {
      {"exiv2/2021-02-13-1929.heic", true, 3024, 4032},
      {"exiv2/IMG_3578.heic", false, 4032, 3024},
      {"exiv2/issue_9292_sony_1_top_left.HIF", false, 7008, 4672},
      {"exiv2/issue_9292_sony_3_bottom_right.HIF", false, 7008, 4672},
      {"exiv2/issue_9292_sony_6_right_top.HIF", true, 4672, 7008},
      {"exiv2/issue_9292_sony_8_left-bottom.HIF", true, 4672, 7008},
      // Its embedded thumbnail is cut off: the main image is decoded.
      {"exiv2/Sony.HIF", false, 8640, 5760},
  };
  for (const HeifCase& c : cases) {
    SCOPED_TRACE(c.file);
    auto d = Decode(Photo(c.file), MediaKind::kPhoto, Target(320));
    ASSERT_TRUE(d) << d.error().ToString();
    ExpectWellFormed(*d);
    EXPECT_EQ(std::max(d->image.width, d->image.height), 320);
    EXPECT_EQ(d->image.height > d->image.width, c.portrait);
    EXPECT_EQ(d->source_width, c.source_width);
    EXPECT_EQ(d->source_height, c.source_height);
  }
}

// -------------------------------------------------------------- bad input

uint32_t Crc32(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

std::string BigEndian32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
          static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string PngChunk(const std::string& type, const std::string& data) {
  return BigEndian32(static_cast<uint32_t>(data.size())) + type + data +
         BigEndian32(Crc32(type + data));
}

// A valid PNG header for a 100000 x 100000 RGB image, and a few bytes of
// pixel data: 30 GB if anyone decoded it.
std::string PngBomb() {
  std::string ihdr = BigEndian32(100000) + BigEndian32(100000);
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB
  const std::string idat("\x78\x9c\x63\x60\x00\x00\x00\x02\x00\x01", 10);
  return std::string("\x89PNG\r\n\x1a\n", 8) + PngChunk("IHDR", ihdr) +
         PngChunk("IDAT", idat) + PngChunk("IEND", "");
}

// A little-endian TIFF whose one IFD says 100000 x 100000 grey pixels,
// deflate-compressed in one strip.
std::string TiffBomb() {
  struct Entry {
    uint16_t tag, type;
    uint32_t value;
  };
  const Entry entries[] = {
      {256, 4, 100000}, {257, 4, 100000}, {258, 3, 8},
      {259, 3, 8},      {262, 3, 1},      {273, 4, 200},
      {277, 3, 1},      {278, 4, 100000}, {279, 4, 16},
  };
  std::string t = "II*" + std::string(1, '\0') + Le32(8);
  t += Le16(static_cast<uint16_t>(std::size(entries)));
  for (const Entry& e : entries) {
    t += Le16(e.tag) + Le16(e.type) + Le32(1);
    t += e.type == 3 ? Le16(static_cast<uint16_t>(e.value)) + Le16(0)
                     : Le32(e.value);
  }
  t += Le32(0);  // no next IFD
  t.resize(216, '\0');
  return t;
}

TEST(DecodeBadInput, DecompressionBombsAreRefusedFromTheHeader) {
  TempDir dir;
  WriteFile(dir.File("bomb.png"), PngBomb());
  WriteFile(dir.File("bomb.tif"), TiffBomb());
  for (const char* name : {"bomb.png", "bomb.tif"}) {
    SCOPED_TRACE(name);
    const auto start = std::chrono::steady_clock::now();
    auto d = Decode(dir.File(name), MediaKind::kPhoto, Target(1600));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code(), ErrorCode::kContentFault);
    EXPECT_EQ(d.error().message(), "image too large: 100000 x 100000");
    EXPECT_LT(elapsed, std::chrono::seconds(1));
  }
  // The cap is the caller's: 0 turns it off, a small one refuses more.
  DecodeOptions tight = Target(100);
  tight.max_source_pixels = 200 * 100;
  auto reagan = Decode(Photo("exiv2/Reagan.jpg"), MediaKind::kPhoto, tight);
  ASSERT_FALSE(reagan);
  EXPECT_EQ(reagan.error().message(), "image too large: 200 x 130");
  auto raw = Decode(Photo("exiftool/Panasonic.rw2"), MediaKind::kRaw, tight);
  ASSERT_FALSE(raw);
  EXPECT_EQ(raw.error().code(), ErrorCode::kContentFault);
  auto video =
      Decode(Video("exiv2/sample_640x360.mov"), MediaKind::kVideo, tight);
  ASSERT_FALSE(video);
  EXPECT_EQ(video.error().message(), "image too large: 640 x 360");
}

TEST(DecodeBadInput, TruncatedJpegGivesAnErrorOrThePicture) {
  TempDir dir;
  const std::string whole = ReadFile(Photo(kTurnedJpeg));
  const std::string half = dir.File("half.jpg");
  WriteFile(half, whole.substr(0, whole.size() / 2));
  auto d = Decode(half, MediaKind::kPhoto, Target(400));
  if (d) {  // the decoded part, the rest grey: same size as the whole one
    ExpectWellFormed(*d);
    EXPECT_EQ(d->image.width, 300);
    EXPECT_EQ(d->image.height, 400);
  } else {
    EXPECT_EQ(d.error().code(), ErrorCode::kContentFault);
  }
  // Cut inside the header: always an error.
  WriteFile(dir.File("head.jpg"), whole.substr(0, 100));
  auto head = Decode(dir.File("head.jpg"), MediaKind::kPhoto, Target(400));
  ASSERT_FALSE(head);
  EXPECT_EQ(head.error().code(), ErrorCode::kContentFault);
}

TEST(DecodeBadInput, FilesThatAreNotPictures) {
  TempDir dir;
  WriteFile(dir.File("empty.jpg"), "");
  WriteFile(dir.File("garbage.jpg"), std::string(4096, '\x5a'));
  WriteFile(dir.File("text.heic"), "hello, this is not a picture at all\n");
  WriteFile(dir.File("garbage.cr2"), std::string(4096, '\x5a'));
  WriteFile(dir.File("garbage.mp4"), std::string(4096, '\x5a'));
  // An SVG named .jpg must not reach a loader that would render it.
  WriteFile(dir.File("drawing.jpg"),
            "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>");
  const std::pair<const char*, MediaKind> cases[] = {
      {"empty.jpg", MediaKind::kPhoto}, {"garbage.jpg", MediaKind::kPhoto},
      {"text.heic", MediaKind::kPhoto}, {"drawing.jpg", MediaKind::kPhoto},
      {"garbage.cr2", MediaKind::kRaw}, {"garbage.mp4", MediaKind::kVideo},
      {"empty.jpg", MediaKind::kRaw},   {"empty.jpg", MediaKind::kVideo},
  };
  for (const auto& [name, kind] : cases) {
    SCOPED_TRACE(std::string(name) + " as " + MediaKindName(kind));
    auto d = Decode(dir.File(name), kind, Target(100));
    ASSERT_FALSE(d);
    EXPECT_TRUE(d.error().code() == ErrorCode::kContentFault ||
                d.error().code() == ErrorCode::kUnsupported)
        << d.error().ToString();
    EXPECT_EQ(d.error().path(), dir.File(name));
  }
}

TEST(DecodeBadInput, FileSystemErrorsComeFromErrno) {
  TempDir dir;
  for (MediaKind kind :
       {MediaKind::kPhoto, MediaKind::kRaw, MediaKind::kVideo}) {
    auto missing = Decode(dir.File("missing.jpg"), kind, Target(100));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  }
  auto folder = Decode(dir.File(""), MediaKind::kPhoto, Target(100));
  ASSERT_FALSE(folder);
  EXPECT_EQ(folder.error().code(), ErrorCode::kInvalidArgument);
}

TEST(DecodeBadInput, OtherKindsAndBadOptionsAreRefused) {
  auto sidecar =
      Decode(Photo("exiv2/Reagan.jpg"), MediaKind::kSidecar, Target(100));
  ASSERT_FALSE(sidecar);
  EXPECT_EQ(sidecar.error().code(), ErrorCode::kUnsupported);
  auto zero = Decode(Photo("exiv2/Reagan.jpg"), MediaKind::kPhoto, Target(0));
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().code(), ErrorCode::kInvalidArgument);
}

TEST(Decode, ConcurrentDecodesAgree) {
  const std::string file = Photo("exiv2/Reagan.jpg");
  auto reference = Decode(file, MediaKind::kPhoto, Target(100));
  ASSERT_TRUE(reference) << reference.error().ToString();
  std::vector<std::thread> threads;
  std::vector<int> same(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        auto d = Decode(file, MediaKind::kPhoto, Target(100));
        if (d && d->image.pixels == reference->image.pixels) ++same[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(same[t], 5);
}

TEST(DecodePathName, NamesAreStable) {
  EXPECT_STREQ(DecodePathName(DecodePath::kLibvips), "libvips");
  EXPECT_STREQ(DecodePathName(DecodePath::kRawPreview), "raw_preview");
  EXPECT_STREQ(DecodePathName(DecodePath::kRawHalfSize), "raw_half_size");
  EXPECT_STREQ(DecodePathName(DecodePath::kVideoFrame), "video_frame");
}

// ----------------------------------------------------------------- encode

TEST(Encode, WebpAndJpegDecodeBackAtTheAskedSize) {
  auto source =
      Decode(Photo("exiv2/Reagan.jpg"), MediaKind::kPhoto, Target(1600));
  ASSERT_TRUE(source) << source.error().ToString();
  ASSERT_EQ(source->image.width, 200);
  TempDir dir;
  for (ImageFormat format : {ImageFormat::kWebp, ImageFormat::kJpeg}) {
    EncodeOptions options;
    options.format = format;
    options.longest_edge = 100;
    auto bytes = Encode(source->image, options);
    ASSERT_TRUE(bytes) << bytes.error().ToString();
    if (format == ImageFormat::kWebp) {
      ASSERT_GT(bytes->size(), 12u);
      EXPECT_EQ(bytes->substr(0, 4), "RIFF");
      EXPECT_EQ(bytes->substr(8, 4), "WEBP");
    } else {
      EXPECT_EQ(bytes->substr(0, 3), "\xFF\xD8\xFF");
    }
    const std::string file =
        dir.File(format == ImageFormat::kWebp ? "t.webp" : "t.jpg");
    WriteFile(file, *bytes);
    auto back = Decode(file, MediaKind::kPhoto, Target(1600));
    ASSERT_TRUE(back) << back.error().ToString();
    EXPECT_EQ(back->image.width, 100);
    EXPECT_EQ(back->image.height, 65);
  }
}

TEST(Encode, NeverUpscalesAndChecksItsInput) {
  RgbImage image;
  image.width = 20;
  image.height = 10;
  image.pixels.assign(20 * 10 * 3, 128);
  EncodeOptions options;
  options.longest_edge = 500;
  options.format = ImageFormat::kJpeg;
  auto bytes = Encode(image, options);
  ASSERT_TRUE(bytes) << bytes.error().ToString();
  TempDir dir;
  WriteFile(dir.File("small.jpg"), *bytes);
  auto back = Decode(dir.File("small.jpg"), MediaKind::kPhoto, Target(1600));
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->image.width, 20);
  EXPECT_EQ(back->image.height, 10);

  options.quality = 0;
  EXPECT_EQ(Encode(image, options).error().code(), ErrorCode::kInvalidArgument);
  options.quality = 80;
  image.pixels.pop_back();
  EXPECT_EQ(Encode(image, options).error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace phodex::imaging
