#include "core/media_kind.h"

#include <gtest/gtest.h>

namespace phodex {
namespace {

struct NameCase {
  const char* name;
  MediaKind kind;
};

TEST(MediaKind, KindFromNameIsCaseInsensitive) {
  const NameCase cases[] = {
      {"a.jpg", MediaKind::kPhoto},   {"A.JPEG", MediaKind::kPhoto},
      {"b.HEIC", MediaKind::kPhoto},  {"c.jxl", MediaKind::kPhoto},
      {"d.CR3", MediaKind::kRaw},     {"e.nef", MediaKind::kRaw},
      {"f.3fr", MediaKind::kRaw},     {"g.Dng", MediaKind::kRaw},
      {"h.MTS", MediaKind::kVideo},   {"i.m2ts", MediaKind::kVideo},
      {"j.mov", MediaKind::kVideo},   {"k.xmp", MediaKind::kSidecar},
      {"IMG_1.CR2.xmp", MediaKind::kSidecar},
      {"l.AAE", MediaKind::kSidecar}, {"m.txt", MediaKind::kOther},
      {"jpg", MediaKind::kOther},     {".jpg", MediaKind::kOther},
      {"n.psd", MediaKind::kOther},
  };
  for (const NameCase& c : cases) {
    EXPECT_EQ(KindFromName(c.name), c.kind) << c.name;
  }
}

TEST(MediaKind, NamesRoundTrip) {
  for (MediaKind k : {MediaKind::kPhoto, MediaKind::kRaw, MediaKind::kVideo,
                      MediaKind::kSidecar, MediaKind::kOther}) {
    EXPECT_EQ(ParseMediaKind(MediaKindName(k)), k);
  }
  EXPECT_FALSE(ParseMediaKind("picture"));
}

TEST(MediaKind, SniffConfirmsMatchingSignatures) {
  using namespace std::string_literals;
  EXPECT_EQ(SniffKind("a.jpg", "\xFF\xD8\xFF\xE1xxxx"s).verdict,
            SniffVerdict::kConfirmed);
  EXPECT_EQ(SniffKind("a.png", "\x89PNG\r\n\x1A\n"s).verdict,
            SniffVerdict::kConfirmed);
  EXPECT_EQ(SniffKind("a.cr2", "II*\0\x10\0\0\0CR"s).verdict,
            SniffVerdict::kConfirmed);
  EXPECT_EQ(SniffKind("a.heic", "\0\0\0\x18" "ftypheic"s).verdict,
            SniffVerdict::kConfirmed);
  EXPECT_EQ(SniffKind("a.xmp", "  <?xpacket begin"s).verdict,
            SniffVerdict::kConfirmed);
  // No cheap signature for some raws: trust the name.
  EXPECT_EQ(SniffKind("a.kdc", "whatever"s).verdict, SniffVerdict::kUnknown);
}

TEST(MediaKind, SniffRecordsWhatTheContentIs) {
  using namespace std::string_literals;
  // A JPEG saved with a .png name is still a photo.
  SniffResult r = SniffKind("a.png", "\xFF\xD8\xFF\xE0"s);
  EXPECT_EQ(r.verdict, SniffVerdict::kOtherMedia);
  EXPECT_EQ(r.actual, MediaKind::kPhoto);
  EXPECT_NE(r.detail.find("JPEG"), std::string::npos);
  // A text file named .jpg keeps its kind, with the mismatch noted.
  r = SniffKind("a.jpg", "hello world"s);
  EXPECT_EQ(r.verdict, SniffVerdict::kMismatch);
  EXPECT_EQ(r.actual, MediaKind::kPhoto);
  EXPECT_FALSE(r.detail.empty());
  r = SniffKind("empty.jpg", "");
  EXPECT_EQ(r.verdict, SniffVerdict::kMismatch);
  EXPECT_EQ(r.detail, "file is empty");
}

}  // namespace
}  // namespace phodex
