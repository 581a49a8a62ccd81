// Video metadata (media/video_extractor.cc, FFmpeg libavformat) against
// exiftool 12.57, the reference: every field of every file in the shared
// corpus (video/expected.json), plus small QuickTime files built here for
// what the corpus lacks (rotation, GPS, make/model, Apple's creation date),
// each checked against exiftool when this test was written. Every field
// must agree unless it is listed in kDifferences with its reason; the list
// is checked too, so a difference that goes away must leave the list.
// docs/metadata-accuracy.md ("Video") has the table this test prints.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "media/metadata_extractor.h"

namespace phodex::media {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path CorpusDir() {
  if (const char* env = std::getenv("PHODEX_CORPUS_DIR"); env && *env)
    return env;
  return PHODEX_CORPUS_DIR;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void WriteAll(const fs::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  ASSERT_TRUE(out.good()) << path;
}

// A fresh directory for files this test writes.
fs::path ScratchDir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) /
                       ("phodex_video_" + name + "_" +
                        std::to_string(static_cast<long>(::getpid())));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// ---------------------------------------------------------------------------
// The fields compared, each rendered as text: what exiftool says (converted
// to phodex's conventions) and what we say.

constexpr const char* kFields[] = {"mime",     "width", "height", "orientation",
                                   "duration", "taken", "make",   "model",
                                   "gps",      "codec"};
using Fields = std::map<std::string, std::optional<std::string>>;

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

const json* First(const json& rec, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (auto it = rec.find(k); it != rec.end()) return &*it;
  return nullptr;
}

std::string Text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// "2008:12:31 23:16:24+01:00" -> "2008-12-31T23:16:24+01:00";
// "0000:00:00 00:00:00" (the field, without a date) -> none.
std::optional<std::string> ExiftoolDate(std::string s) {
  if (s.size() < 19 || s.starts_with("0000")) return std::nullopt;
  s[4] = '-';
  s[7] = '-';
  s[10] = 'T';
  return s;
}

std::string Trim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// Video codec identifiers exiftool prints (QuickTime CompressorID, AVI
// biCompression, Matroska CodecID, M2TS stream type) as FFmpeg's names.
std::optional<std::string> CodecName(const json& rec) {
  static const std::map<std::string, std::string> kNames = {
      {"avc1", "h264"},  {"hev1", "hevc"},           {"hvc1", "hevc"},
      {"jpeg", "mjpeg"}, {"MJPG", "mjpeg"},          {"IV41", "indeo4"},
      {"27", "h264"},    {"V_MPEG4/ISO/AVC", "h264"}};
  const json* v = First(rec, {"QuickTime:CompressorID", "File:Compression",
                              "Matroska:VideoCodecID", "M2TS:VideoStreamType"});
  if (v == nullptr) return std::nullopt;
  auto it = kNames.find(Text(*v));
  return it != kNames.end() ? it->second : "?" + Text(*v);
}

// exiftool -j -n -G output for one file, as phodex fields.
Fields FromExiftool(const json& rec) {
  Fields f;
  if (const json* v = First(rec, {"File:MIMEType"})) f["mime"] = Text(*v);
  for (const char* group : {"QuickTime:", "RIFF:", "Matroska:", "H264:"}) {
    const std::string g = group;
    if (rec.contains(g + "ImageWidth") && !f["width"]) {
      f["width"] = Text(rec[g + "ImageWidth"]);
      f["height"] = Text(rec[g + "ImageHeight"]);
    }
  }
  if (const json* v = First(rec, {"Composite:Rotation"})) {
    static const std::map<int, int> kByRotation = {
        {0, 1}, {90, 6}, {180, 3}, {270, 8}};
    f["orientation"] = std::to_string(kByRotation.at(v->get<int>()));
  }
  if (const json* v = First(rec, {"QuickTime:Duration", "Matroska:Duration",
                                  "M2TS:Duration", "Composite:Duration"}))
    f["duration"] = Num(v->get<double>());
  for (const char* key : {"QuickTime:CreationDate", "QuickTime:CreateDate",
                          "RIFF:DateTimeOriginal", "Matroska:DateTimeOriginal",
                          "H264:DateTimeOriginal"}) {
    if (rec.contains(key) && (f["taken"] = ExiftoolDate(Text(rec[key])))) break;
  }
  if (const json* v = First(rec, {"QuickTime:Make", "MakerNotes:Make"})) {
    f["make"] = Trim(Text(*v));
  } else if (const json* h = First(rec, {"H264:Make"})) {
    // -n prints the maker code; H264.pm's PrintConv names it.
    static const std::map<int, std::string> kMakers = {{0x0103, "Panasonic"},
                                                       {0x0108, "Sony"},
                                                       {0x1011, "Canon"},
                                                       {0x1104, "JVC"}};
    f["make"] = kMakers.at(h->get<int>());
  }
  if (const json* v = First(rec, {"QuickTime:Model", "MakerNotes:Model"}))
    f["model"] = Trim(Text(*v));
  if (const json* v = First(rec, {"QuickTime:GPSCoordinates"})) {
    std::istringstream in(Text(*v));
    double lat, lon, alt;
    in >> lat >> lon;
    std::string gps = Num(lat) + " " + Num(lon);
    if (in >> alt) gps += " " + Num(alt);
    f["gps"] = gps;
  }
  f["codec"] = CodecName(rec);
  return f;
}

Fields FromPhodex(const MediaMetadata& md) {
  Fields f;
  if (!md.mime.empty()) f["mime"] = md.mime;
  if (md.width) f["width"] = std::to_string(*md.width);
  if (md.height) f["height"] = std::to_string(*md.height);
  if (md.orientation) f["orientation"] = std::to_string(*md.orientation);
  if (md.duration) f["duration"] = Num(*md.duration);
  f["taken"] = md.taken;
  f["make"] = md.make;
  f["model"] = md.model;
  if (md.gps) {
    std::string gps = Num(md.gps->lat) + " " + Num(md.gps->lon);
    if (md.gps->alt) gps += " " + Num(*md.gps->alt);
    f["gps"] = gps;
  }
  f["codec"] = md.codec;
  return f;
}

// Durations agree within 1 ms (AVI: exiftool divides by avih's frame rate,
// FFmpeg by strh's; MOV: FFmpeg rounds to microseconds); coordinates within
// 1e-6 (printed with 6 decimals); everything else exactly.
bool Same(std::string_view field, const std::string& a, const std::string& b) {
  if (field == "duration") return std::fabs(std::stod(a) - std::stod(b)) < 1e-3;
  return a == b;
}

// Deliberate differences from exiftool: file (as in expected.json or the
// synthetic name), field ("*": the whole file), our value ("" = none; for
// "*", the error code), and why.
struct Difference {
  const char* file;
  const char* field;
  const char* ours;
  const char* reason;
};

constexpr Difference kDifferences[] = {
    {"files/exiftool/Matroska.mkv", "*", "content_fault",
     "507-byte metadata fixture without a single Cluster; FFmpeg's Matroska "
     "demuxer needs one to finish reading the header (End of file). With an "
     "empty Cluster appended every field agrees (VideoMatroska)"},
    {"files/exiftool/M2TS.mts", "taken", "",
     "exiftool reads the AVCHD MDPM date from an H.264 SEI message inside the "
     "video bitstream; libavformat does not parse SEI payloads"},
    {"files/exiftool/M2TS.mts", "make", "",
     "same MDPM SEI message (maker code 0x1011 = Canon)"},
    {"files/exiftool/QuickTime.mov", "make", "",
     "exiftool decodes the Pentax maker notes in the QuickTime user data; "
     "FFmpeg ignores vendor maker notes"},
    {"files/exiftool/Pentax.avi", "taken", "2009-10-27T12:14:34",
     "the IDIT chunk says \"2009/10/27 12:14:34\"; exiftool's parser for "
     "this Pentax form drops the seconds (12:14:00). Its own MakerNotes:Time "
     "says 12:14:34, as we do"},
    {"mirror.mov", "orientation", "2",
     "matrix mirrors horizontally; exiftool's Rotation looks at atan2(b, a) "
     "only and says 180, which would show the video upside down"},
    {"vflip.mov", "orientation", "4",
     "vertical mirror; exiftool's Rotation says 0"},
    {"transpose.mov", "orientation", "5",
     "transpose (mirror + 270 cw); exiftool's Rotation says 90"},
    {"transverse.mov", "orientation", "7",
     "transverse (mirror + 90 cw); exiftool's Rotation says 270"},
};

const Difference* FindDifference(std::string_view file,
                                 std::string_view field) {
  for (const Difference& d : kDifferences)
    if (file == d.file && field == d.field) return &d;
  return nullptr;
}

// Per-field agreement counts over all files compared.
struct Tally {
  int agree = 0;       // both have the same value
  int both_none = 0;   // neither has a value
  int listed = 0;      // a difference listed in kDifferences
  int unexpected = 0;  // a difference nobody explained: the test fails
};

class AgreementTable {
 public:
  // Compares one file; returns the failures (empty when all agree or are
  // listed differences).
  std::vector<std::string> Compare(const std::string& file,
                                   const Result<MediaMetadata>& ours,
                                   const Fields& exiftool) {
    std::vector<std::string> failures;
    const Difference* whole = FindDifference(file, "*");
    if (!ours) {
      if (whole == nullptr ||
          ErrorCodeName(ours.error().code()) != std::string(whole->ours)) {
        failures.push_back(file + ": " + ours.error().ToString());
      }
      for (const char* field : kFields) {
        const auto it = exiftool.find(field);
        const bool has = it != exiftool.end() && it->second.has_value();
        (has ? tally_[field].listed : tally_[field].both_none)++;
      }
      return failures;
    }
    if (whole != nullptr)
      failures.push_back(file + ": listed as failing but was read");
    const Fields mine = FromPhodex(*ours);
    for (const char* field : kFields) {
      const auto e = exiftool.find(field);
      const auto m = mine.find(field);
      const std::optional<std::string> want =
          e != exiftool.end() ? e->second : std::nullopt;
      const std::optional<std::string> got =
          m != mine.end() ? m->second : std::nullopt;
      const Difference* listed = FindDifference(file, field);
      Tally& t = tally_[field];
      const bool same = want && got ? Same(field, *want, *got) : want == got;
      if (same) {
        (want ? t.agree : t.both_none)++;
        if (listed != nullptr)
          failures.push_back(file + " " + field +
                             ": agrees now, remove it from kDifferences");
      } else if (listed != nullptr && got.value_or("") == listed->ours) {
        t.listed++;
      } else {
        t.unexpected++;
        failures.push_back(file + " " + field + ": exiftool " +
                           want.value_or("(none)") + ", phodex " +
                           got.value_or("(none)"));
      }
    }
    return failures;
  }

  void Print(const std::string& title) const {
    std::printf("\n%s\n%-12s %6s %9s %7s %10s\n", title.c_str(), "field",
                "agree", "both none", "listed", "unexpected");
    for (const char* field : kFields) {
      const auto it = tally_.find(field);
      const Tally t = it != tally_.end() ? it->second : Tally{};
      std::printf("%-12s %6d %9d %7d %10d\n", field, t.agree, t.both_none,
                  t.listed, t.unexpected);
    }
  }

 private:
  std::map<std::string, Tally> tally_;
};

json LoadExpected() {
  const fs::path path = CorpusDir() / "video" / "expected.json";
  const std::string text = ReadAll(path);
  if (text.empty()) return json();
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

class VideoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitMetadataLibraries(); }
};

using VideoCorpus = VideoTest;

TEST_F(VideoCorpus, EveryFieldAgreesWithExiftoolOrIsAListedDifference) {
  const json expected = LoadExpected();
  // A missing corpus is a failure, never a skip: set PHODEX_CORPUS_DIR.
  ASSERT_TRUE(expected.is_array() && !expected.empty())
      << "no corpus at " << CorpusDir() / "video" / "expected.json";
  AgreementTable table;
  for (const json& rec : expected) {
    const std::string file = rec.at("SourceFile").get<std::string>();
    const auto ours =
        ExtractVideoMetadata((CorpusDir() / "video" / file).string());
    for (const std::string& f : table.Compare(file, ours, FromExiftool(rec)))
      ADD_FAILURE() << f;
  }
  table.Print("video corpus (" + std::to_string(expected.size()) +
              " files) against exiftool 12.57:");
}

TEST_F(VideoCorpus, TagsJsonHoldsEveryContainerAndStreamTag) {
  const auto md = ExtractVideoMetadata(
      (CorpusDir() / "video/files/exiv2/small_video.mp4").string());
  ASSERT_TRUE(md) << md.error().ToString();
  const json tags = json::parse(md->tags_json);
  EXPECT_EQ(tags.at("format.tags.major_brand"), "isom");
  EXPECT_EQ(tags.at("format.tags.encoder"), "Lavf59.27.100");
  EXPECT_EQ(tags.at("streams.stream.0.tags.encoder"), "Lavc59.37.100 libx265");
  EXPECT_EQ(tags.at("streams.stream.1.tags.handler_name"), "Core Media Audio");

  // Non-ASCII values survive (QuickTime.mov's iTunes tags).
  const auto qt = ExtractVideoMetadata(
      (CorpusDir() / "video/files/exiftool/QuickTime.mov").string());
  ASSERT_TRUE(qt) << qt.error().ToString();
  EXPECT_EQ(json::parse(qt->tags_json).at("format.tags.artist"), "årtist");
}

// FFmpeg would take "clip:1.mp4" for a URL with protocol "clip".
TEST_F(VideoCorpus, NamesWithAColonAreFiles) {
  const fs::path dir = ScratchDir("colon");
  WriteAll(dir / "clip:1.mp4",
           ReadAll(CorpusDir() / "video/files/exiv2/small_video.mp4"));
  const auto md = ExtractVideoMetadata((dir / "clip:1.mp4").string());
  ASSERT_TRUE(md) << md.error().ToString();
  EXPECT_EQ(md->width, 216);
  fs::remove_all(dir);
}

// The corpus's Matroska file has no Cluster (see kDifferences). With an
// empty Cluster appended, FFmpeg reads it, and exiftool 12.57 prints exactly
// the corpus record for the patched copy.
TEST_F(VideoCorpus, MatroskaWithAClusterAgreesWithExiftool) {
  const json expected = LoadExpected();
  ASSERT_TRUE(expected.is_array()) << "no corpus at " << CorpusDir();
  const json* rec = nullptr;
  for (const json& r : expected)
    if (r.at("SourceFile") == "files/exiftool/Matroska.mkv") rec = &r;
  ASSERT_NE(rec, nullptr);
  const fs::path dir = ScratchDir("mkv");
  const fs::path mkv = dir / "Matroska.mkv";
  WriteAll(mkv, ReadAll(CorpusDir() / "video/files/exiftool/Matroska.mkv") +
                    std::string("\x1f\x43\xb6\x75\x80", 5));
  AgreementTable table;
  for (const std::string& f :
       table.Compare("Matroska+Cluster.mkv", ExtractVideoMetadata(mkv.string()),
                     FromExiftool(*rec)))
    ADD_FAILURE() << f;
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------
// Synthetic QuickTime files: one video track without samples, built box by
// box, for rotation, GPS, make/model and Apple's keys.

std::string U8(uint8_t v) { return std::string(1, static_cast<char>(v)); }
std::string U16(uint16_t v) { return U8(v >> 8) + U8(v & 0xff); }
std::string U32(uint32_t v) { return U16(v >> 16) + U16(v & 0xffff); }
std::string Zeros(size_t n) { return std::string(n, '\0'); }
std::string Box(std::string_view type, std::string_view payload) {
  return U32(static_cast<uint32_t>(8 + payload.size())) + std::string(type) +
         std::string(payload);
}
std::string FullBox(std::string_view type, uint32_t flags,
                    std::string_view payload) {
  return Box(type, U32(flags) + std::string(payload));
}

// The rotation/mirroring part {a b; c d} of a track matrix (x' = a*x + c*y,
// y' = b*x + d*y), in units of 1.0.
struct Matrix {
  int a, b, c, d;
};
std::string MatrixBytes(Matrix m) {
  auto fixed = [](int v) { return U32(static_cast<uint32_t>(v * 0x10000)); };
  return fixed(m.a) + fixed(m.b) + U32(0) + fixed(m.c) + fixed(m.d) + U32(0) +
         U32(0) + U32(0) + U32(0x40000000);
}

struct MovSpec {
  Matrix matrix{1, 0, 0, 1};
  uint32_t width = 1920, height = 1080;
  uint32_t mvhd_time = 0;  // seconds since 1904; 0 = no date
  std::vector<std::pair<std::string, std::string>> keys;  // Apple mdta keys
  std::string udta;            // payload of moov/udta; "" for none
  std::string brand = "qt  ";  // ftyp major brand; "" for no ftyp
};

// A QuickTime user-data text item (©xyz, ©mak): length, language, text.
std::string UdtaText(std::string_view type, std::string_view text) {
  return Box(type, U16(static_cast<uint16_t>(text.size())) + U16(0x15c7) +
                       std::string(text));
}

std::string AppleKeys(
    const std::vector<std::pair<std::string, std::string>>& kv) {
  std::string keys = U32(static_cast<uint32_t>(kv.size()));
  std::string ilst;
  for (size_t i = 0; i < kv.size(); ++i) {
    keys += Box("mdta", kv[i].first);
    ilst += Box(U32(static_cast<uint32_t>(i + 1)),
                Box("data", U32(1) + U32(0) + kv[i].second));  // 1 = UTF-8
  }
  return Box("meta", FullBox("hdlr", 0, U32(0) + "mdta" + Zeros(13)) +
                         FullBox("keys", 0, keys) + Box("ilst", ilst));
}

std::string BuildMov(const MovSpec& s) {
  const uint32_t kTimescale = 600, kDuration = 1500;  // 2.5 s
  const uint32_t t = s.mvhd_time;
  const std::string mvhd =
      FullBox("mvhd", 0,
              U32(t) + U32(t) + U32(kTimescale) + U32(kDuration) +
                  U32(0x10000) + U16(0x100) + Zeros(10) +
                  MatrixBytes({1, 0, 0, 1}) + Zeros(24) + U32(2));
  const std::string tkhd = FullBox(
      "tkhd", 7,
      U32(t) + U32(t) + U32(1) + Zeros(4) + U32(kDuration) + Zeros(16) +
          MatrixBytes(s.matrix) + U32(s.width << 16) + U32(s.height << 16));
  const std::string mdhd = FullBox("mdhd", 0,
                                   U32(t) + U32(t) + U32(kTimescale) +
                                       U32(kDuration) + U16(0x55c4) + U16(0));
  const std::string hdlr = FullBox("hdlr", 0, U32(0) + "vide" + Zeros(13));
  const std::string avc1 =
      Box("avc1", Zeros(6) + U16(1) + Zeros(16) + U16(s.width) + U16(s.height) +
                      U32(0x480000) + U32(0x480000) + U32(0) + U16(1) +
                      Zeros(32) + U16(24) + U16(0xffff));
  const std::string stbl =
      Box("stbl", FullBox("stsd", 0, U32(1) + avc1) +
                      FullBox("stts", 0, U32(0)) + FullBox("stsc", 0, U32(0)) +
                      FullBox("stsz", 0, U32(0) + U32(0)) +
                      FullBox("stco", 0, U32(0)));
  const std::string minf =
      Box("minf",
          FullBox("vmhd", 1, Zeros(8)) +
              Box("dinf", FullBox("dref", 0, U32(1) + FullBox("url ", 1, ""))) +
              stbl);
  std::string moov = mvhd + Box("trak", tkhd + Box("mdia", mdhd + hdlr + minf));
  if (!s.keys.empty()) moov += AppleKeys(s.keys);
  if (!s.udta.empty()) moov += Box("udta", s.udta);
  const std::string ftyp =
      s.brand.empty() ? "" : Box("ftyp", s.brand + U32(0) + s.brand + "isom");
  return ftyp + Box("moov", moov);
}

// 2021-02-12 19:29:01 in seconds since 1904.
constexpr uint32_t k20210212 = 3696002941u;

struct SyntheticCase {
  const char* name;
  MovSpec spec;
  // exiftool 12.57 -j -n -G on the file, the tags that differ from kBase.
  const char* exiftool;
};

// What exiftool says about every synthetic file unless the case says more.
constexpr char kBase[] = R"({
  "File:MIMEType": "video/quicktime", "QuickTime:ImageWidth": 1920,
  "QuickTime:ImageHeight": 1080, "QuickTime:Duration": 2.5,
  "QuickTime:CreateDate": "0000:00:00 00:00:00", "Composite:Rotation": 0,
  "QuickTime:CompressorID": "avc1"})";

const std::vector<SyntheticCase>& SyntheticCases() {
  static const auto* cases = new std::vector<SyntheticCase>{
      {"iphone.mov",
       {.matrix = {0, 1, -1, 0},
        .mvhd_time = k20210212,
        .keys = {{"com.apple.quicktime.location.ISO6709",
                  "+48.8584+002.2945+035.120/"},
                 {"com.apple.quicktime.make", "Apple"},
                 {"com.apple.quicktime.model", "iPhone 12"},
                 {"com.apple.quicktime.software", "14.4"},
                 {"com.apple.quicktime.creationdate",
                  "2021-02-13T19:29:01+0100"}}},
       R"({"QuickTime:CreateDate": "2021:02:12 19:29:01",
           "QuickTime:CreationDate": "2021:02:13 19:29:01+01:00",
           "Composite:Rotation": 90, "QuickTime:Make": "Apple",
           "QuickTime:Model": "iPhone 12",
           "QuickTime:GPSCoordinates": "48.8584 2.2945 35.12"})"},
      {"udta.mov",
       {.width = 1280,
        .height = 720,
        .mvhd_time = k20210212,
        .udta = UdtaText("\xa9xyz", "-33.8568+151.2153/") +
                UdtaText("\xa9mak", "Canon") +
                UdtaText("\xa9mod", "Canon EOS R5")},
       R"({"QuickTime:ImageWidth": 1280, "QuickTime:ImageHeight": 720,
           "QuickTime:CreateDate": "2021:02:12 19:29:01",
           "QuickTime:Make": "Canon", "QuickTime:Model": "Canon EOS R5",
           "QuickTime:GPSCoordinates": "-33.8568 151.2153"})"},
      {"r180.mov",
       {.matrix = {-1, 0, 0, -1}},
       R"({"Composite:Rotation": 180})"},
      {"r270.mov", {.matrix = {0, -1, 1, 0}}, R"({"Composite:Rotation": 270})"},
      {"mirror.mov",
       {.matrix = {-1, 0, 0, 1}},
       R"({"Composite:Rotation": 180})"},
      {"vflip.mov", {.matrix = {1, 0, 0, -1}}, R"({"Composite:Rotation": 0})"},
      {"transpose.mov",
       {.matrix = {0, 1, 1, 0}},
       R"({"Composite:Rotation": 90})"},
      {"transverse.mov",
       {.matrix = {0, -1, -1, 0}},
       R"({"Composite:Rotation": 270})"},
      {"gps_ddmm.mov",
       {.keys = {{"com.apple.quicktime.location.ISO6709",
                  "+4851.504+00217.670-010.5/"}}},
       R"({"QuickTime:GPSCoordinates": "48.8584 2.2945 -10.5"})"},
      {"gps_ddmmss.mov",
       {.keys = {{"com.apple.quicktime.location.ISO6709",
                  "-335124.48+1511255.08CRSWGS_84/"}}},
       R"({"QuickTime:GPSCoordinates": "-33.8568 151.2153"})"},
      {"brand_3gp.mov",
       {.brand = "3gp4"},
       R"({"File:MIMEType": "video/3gpp"})"},
      {"brand_m4v.mov",
       {.brand = "M4V "},
       R"({"File:MIMEType": "video/x-m4v"})"},
      {"brand_mp42.mov",
       {.brand = "mp42"},
       R"({"File:MIMEType": "video/mp4"})"},
      {"no_ftyp.mov", {.brand = ""}, R"({"File:MIMEType": "video/quicktime"})"},
  };
  return *cases;
}

using VideoSynthetic = VideoTest;

TEST_F(VideoSynthetic, RotationGpsMakeModelAndDatesAgreeWithExiftool) {
  const fs::path dir = ScratchDir("synthetic");
  AgreementTable table;
  for (const SyntheticCase& c : SyntheticCases()) {
    const fs::path path = dir / c.name;
    WriteAll(path, BuildMov(c.spec));
    json rec = json::parse(kBase);
    rec.update(json::parse(c.exiftool));
    for (const std::string& f : table.Compare(
             c.name, ExtractVideoMetadata(path.string()), FromExiftool(rec)))
      ADD_FAILURE() << f;
  }
  table.Print("synthetic QuickTime files (" +
              std::to_string(SyntheticCases().size()) +
              ") against exiftool 12.57:");
  fs::remove_all(dir);
}

TEST_F(VideoSynthetic, AppleCreationDateKeepsItsOffsetAndMvhdHasNone) {
  const fs::path dir = ScratchDir("dates");
  WriteAll(dir / "a.mov", BuildMov(SyntheticCases()[0].spec));
  WriteAll(dir / "b.mov", BuildMov({.mvhd_time = k20210212}));
  const auto apple = ExtractVideoMetadata((dir / "a.mov").string());
  const auto mvhd = ExtractVideoMetadata((dir / "b.mov").string());
  ASSERT_TRUE(apple && mvhd);
  EXPECT_EQ(apple->taken, "2021-02-13T19:29:01+01:00");
  // mvhd is UTC by the spec, local time in many cameras: wall clock as
  // stored, no offset claimed (exiftool's CreateDate, not FFmpeg's "Z").
  EXPECT_EQ(mvhd->taken, "2021-02-12T19:29:01");
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------
// Errors: never a crash, the right code, FFmpeg's reason.

using VideoErrors = VideoTest;

TEST_F(VideoErrors, MissingFileIsNotFound) {
  const auto r = ExtractVideoMetadata("/nonexistent/phodex/clip.mov");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound) << r.error().ToString();
}

TEST_F(VideoErrors, NonVideoAndTruncatedFilesAreCorrupt) {
  const fs::path dir = ScratchDir("errors");
  const std::string mp4 =
      ReadAll(CorpusDir() / "video/files/exiv2/small_video.mp4");
  const std::string mov =
      ReadAll(CorpusDir() / "video/files/exiv2/sample_640x360.mov");
  ASSERT_GT(mp4.size(), 19000u) << "corpus missing at " << CorpusDir();
  ASSERT_GT(mov.size(), 300000u);
  const std::vector<std::pair<std::string, std::string>> files = {
      {"empty.mp4", ""},
      {"text.mov", "just some words, not a movie\n"},
      {"notes.txt.mp4", std::string(4096, 'a')},
      {"zeros.mp4", std::string(65536, '\0')},
      {"ftyp_only.mp4", mp4.substr(0, 100)},
      {"moov_cut.mp4", mp4.substr(0, 19000)},  // moov is at the end
      {"mdat_cut.mov", mov.substr(0, 300000)},
      {"header_cut.mov", BuildMov({}).substr(0, 200)},
  };
  for (const auto& [name, data] : files) {
    WriteAll(dir / name, data);
    const auto r = ExtractVideoMetadata((dir / name).string());
    ASSERT_FALSE(r) << name << " was read as " << r->mime;
    EXPECT_EQ(r.error().code(), ErrorCode::kContentFault)
        << name << ": " << r.error().ToString();
    EXPECT_FALSE(r.error().message().empty()) << name;
  }
  // A text file FFmpeg takes for ANSI art, a JPEG it takes for a one-frame
  // video: refused before their demuxer runs, with the reason.
  std::string text;
  for (int i = 0; i < 40; ++i) text += "A line of a plain text file.\n";
  WriteAll(dir / "readme.txt", text);
  WriteAll(dir / "photo.mov", "\xff\xd8\xff\xe0" + std::string(1000, '\x11'));
  for (const char* name : {"readme.txt", "photo.mov"}) {
    const auto r = ExtractVideoMetadata((dir / name).string());
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code(), ErrorCode::kContentFault);
    EXPECT_NE(r.error().message().find("not a video container"),
              std::string::npos)
        << r.error().ToString();
  }
  fs::remove_all(dir);
}

// The crash and fuzzing reproducers of the shared corpus (none is a video
// FFmpeg can read): each one gives an error or metadata, never a crash, a
// hang or an exception.
TEST_F(VideoErrors, HostileCorpusGivesErrorsNotCrashes) {
  const fs::path dir = CorpusDir() / "hostile/files";
  ASSERT_TRUE(fs::is_directory(dir)) << "no corpus at " << dir;
  int files = 0, errors = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto r = ExtractVideoMetadata(entry.path().string());
    ++files;
    if (!r) {
      ++errors;
      EXPECT_EQ(r.error().code(), ErrorCode::kContentFault) << r.error().ToString();
    }
  }
  EXPECT_GT(files, 100);
  std::printf("hostile corpus: %d files, %d refused as corrupt\n", files,
              errors);
}

// One AVFormatContext per call: concurrent extractions give the same
// results as sequential ones.
TEST_F(VideoErrors, ConcurrentExtractionsAgreeWithSequentialOnes) {
  std::vector<std::string> paths;
  for (const auto& entry :
       fs::recursive_directory_iterator(CorpusDir() / "video/files"))
    if (entry.is_regular_file()) paths.push_back(entry.path().string());
  ASSERT_FALSE(paths.empty()) << "no corpus at " << CorpusDir();
  std::vector<std::optional<MediaMetadata>> want;
  for (const auto& p : paths) {
    auto r = ExtractVideoMetadata(p);
    want.push_back(r ? std::optional<MediaMetadata>(*r) : std::nullopt);
  }
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (size_t i = 0; i < paths.size(); ++i) {
          auto r = ExtractVideoMetadata(paths[i]);
          const std::optional<MediaMetadata> got =
              r ? std::optional<MediaMetadata>(*r) : std::nullopt;
          if (got != want[i]) ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace phodex::media
