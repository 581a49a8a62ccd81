// ExtractImageMetadata (media/exiv2_extractor.cc) against exiftool.
//
// The shared corpus (../shared/corpus/metadata, or $PHODEX_CORPUS_DIR/
// metadata) holds 166 real photos and RAW files with exiftool 12.57's
// output (expected.json). ImageMetadataCorpus compares every normalised
// field of every file with exiftool's value and prints the agreement table
// that docs/metadata-accuracy.md ("Photos and RAW") quotes.
//
// Which exiftool tag is the reference for which field (first present wins;
// exiftool's -n values, so numbers are raw numbers):
//   mime          File:MIMEType
//   width/height  Composite:ImageSize ("W H": the stored size; for RAW the
//                 size the camera records, as the corpus README explains)
//   orientation   EXIF:Orientation, XMP:Orientation
//   taken         Composite:SubSecDateTimeOriginal, EXIF:DateTimeOriginal,
//                 XMP:DateTimeOriginal, Composite:DateTimeOriginal (IPTC),
//                 MakerNotes:DateTimeOriginal, SigmaRaw:DateTimeOriginal
//   make, model   EXIF:, XMP:, MakerNotes:, SigmaRaw: Make / Model
//   lens          Composite:LensID, EXIF:LensModel, MakerNotes:LensModel;
//                 a LensID of "Unknown ..." is exiftool saying it could not
//                 identify the lens and counts as none
//   exposure_time, f_number, focal_length
//                 EXIF:, XMP:, SigmaRaw:, MakerNotes: ExposureTime etc.
//   iso           EXIF:ISO, Composite:ISO, XMP:ISO, SigmaRaw:ISO,
//                 MakerNotes:ISO (Nikon "0 200": the second number)
//   gps           Composite:GPSLatitude/GPSLongitude/GPSAltitude, else
//                 XMP:GPSLatitude/GPSLongitude
//   rating        XMP:Rating, EXIF:Rating, MakerNotes:Rating
//   keywords      XMP:Subject, else IPTC:Keywords (compared as sets)
//   title         XMP:Title, IPTC:ObjectName
//   description   XMP:Description, IPTC:Caption-Abstract,
//                 EXIF:ImageDescription
// Strings are compared trimmed (blank = absent), lens names without case,
// spaces, brackets or a leading "Canon"/"Nikon"/"Sony" (exiftool's LensID
// adds the brand and spaces the camera's LensModel does not have, lists
// candidates as "A or B" and marks unsure parts "[II]"), numbers to 1e-6
// relative (exiftool prints 10 significant digits), coordinates to 1e-6
// degrees, altitudes to 1 cm. Where exiftool 12.57 is wrong the
// oracle is corrected by OracleFixes(), never by a looser comparison;
// every remaining difference is listed, with its reason, in
// kKnownDifferences.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "core/media_metadata.h"
#include "media/metadata_extractor.h"

namespace phodex::media {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ---------------------------------------------------------------- corpus

fs::path CorpusDir() {
  const char* env = std::getenv("PHODEX_CORPUS_DIR");
  return fs::path(env != nullptr && *env != '\0' ? env : PHODEX_CORPUS_DIR) /
         "metadata";
}

// Where exiftool 12.57 is wrong, as the corpus README explains. Each entry
// replaces (or, with a null value, removes) one exiftool tag before the
// comparison; an entry whose tag is not in expected.json fails the test,
// so the list cannot go stale.
struct OracleFix {
  const char* file;
  const char* tag;
  json value;
  const char* why;
};

const std::vector<OracleFix>& OracleFixes() {
  static const std::vector<OracleFix> kFixes = {
      {"exiv2/exiv2-bug855.jpg", "File:MIMEType", "image/jpeg",
       "a darktable JPEG whose EXIF keeps DNGVersion: exiftool 12.57 calls "
       "it DNG, 13.58 and file(1) JPEG"},
      {"exiftool/InfiRay.jpg", "Composite:GPSLatitude", nullptr,
       "0/0 GPS rationals, printed as \"\": no position, not 0,0"},
      {"exiftool/InfiRay.jpg", "Composite:GPSLongitude", nullptr,
       "0/0 GPS rationals, printed as \"\": no position, not 0,0"},
      {"exiv2/ReaganLargeJpg.jpg", "XMP:Title", nullptr,
       "malformed XMP; exiftool reports the language qualifier "
       "\"x-default\" as the title"},
      {"exiv2/ReaganLargeJpg.jpg", "XMP:Description", nullptr,
       "malformed XMP; exiftool reports the language qualifier "
       "\"x-default\" as the description"},
  };
  return kFixes;
}

// Exiv2 0.27.6 throws on these (corpus README); they must fail cleanly.
const std::set<std::string>& UnreadableFiles() {
  static const std::set<std::string> kFiles = {
      "exiftool/CanonRaw.cr3", "exiftool/Sigma.x3f", "exiftool/SigmaDP2.x3f",
      "exiftool/KyoceraRaw.raw"};
  return kFiles;
}

enum class Kind { kDisagree, kOnlyExiftool, kOnlyPhodex };

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kDisagree:
      return "disagree";
    case Kind::kOnlyExiftool:
      return "only exiftool";
    case Kind::kOnlyPhodex:
      return "only phodex";
  }
  return "?";
}

// Every way phodex differs from exiftool on the files both read, with the
// reason (docs/metadata-accuracy.md lists the same). The corpus test fails
// on a difference missing here and on an entry that no longer happens.
struct KnownDifference {
  const char* file;
  const char* field;
  Kind kind;
  const char* why;
};

constexpr Kind kOnlyExiftool = Kind::kOnlyExiftool;
constexpr Kind kOnlyPhodex = Kind::kOnlyPhodex;
constexpr Kind kDisagree = Kind::kDisagree;

const KnownDifference kKnownDifferences[] = {
    // Metadata Exiv2 0.27.6 does not read (corpus README).
    {"exiftool/AFCP.jpg", "keywords", kOnlyExiftool,
     "IPTC in the AFCP trailer: Exiv2 does not read it"},
    {"exiftool/AFCP.jpg", "title", kOnlyExiftool,
     "IPTC in the AFCP trailer: Exiv2 does not read it"},
    {"exiftool/AFCP.jpg", "description", kOnlyExiftool,
     "IPTC in the AFCP trailer: Exiv2 does not read it"},
    {"exiftool/FotoStation.jpg", "description", kOnlyExiftool,
     "IPTC in the FotoStation trailer: Exiv2 does not read it"},
    {"exiftool/CasioQVCI.jpg", "taken", kOnlyExiftool,
     "date in the Casio QVCI segment: Exiv2 does not read it"},
    {"exiftool/ExtendedXMP.jpg", "title", kOnlyExiftool,
     "title in extended XMP: Exiv2 0.27 does not read extended XMP"},
    {"exiftool/CanonRaw.crw", "description", kOnlyExiftool,
     "XMP embedded in CRW: Exiv2 does not read it"},
    {"exiftool/Kodak.jpg", "iso", kOnlyExiftool,
     "ISO only in Kodak maker notes: Exiv2 has no Kodak decoder"},
    {"exiv2/exiv2-bug443.jpg", "iso", kOnlyExiftool,
     "ISO only in Kodak maker notes: Exiv2 has no Kodak decoder"},
    {"exiftool/OlympusE1.jpg", "lens", kOnlyExiftool,
     "lens only in the Olympus equipment maker notes, which Exiv2 0.27 "
     "does not decode for the E-1"},
    {"exiftool/PhaseOne.iiq", "lens", kOnlyExiftool,
     "lens only in Phase One maker notes: Exiv2 has no decoder"},
    {"exiv2/ReaganLargeJpg.jpg", "keywords", kOnlyExiftool,
     "malformed XMP (a duplicated property): Exiv2 drops the packet, "
     "exiftool recovers dc:subject"},
    // Deliberate choices.
    {"exiv2/exiv2-bug884b.jpg", "lens", kOnlyExiftool,
     "Exiv2 reads the Pentax lens code as a 35-70mm lens for a 400mm shot; "
     "phodex refuses a lens name that contradicts the focal length"},
    {"exiftool/CanonRaw.crw", "orientation", kOnlyPhodex,
     "Exiv2 maps the CRW rotation (0) to Orientation 1; exiftool reports "
     "it as MakerNotes:Rotation only"},
    {"exiv2/exiv2-canon-powershot-s40.crw", "orientation", kOnlyPhodex,
     "Exiv2 maps the CRW rotation (0) to Orientation 1; exiftool reports "
     "it as MakerNotes:Rotation only"},
    {"exiftool/DNG.dng", "lens", kOnlyPhodex,
     "Adobe's XMP aux:Lens \"18.0-55.0 mm\"; exiftool's LensID is "
     "\"Unknown 18-55mm\", i.e. no lens"},
    {"exiv2/Stonehenge.heic", "lens", kOnlyPhodex,
     "Adobe's XMP aux:Lens; exiftool's LensID is \"Unknown (92 37 2D 88 "
     "2C 40 4B 0E) 18-250mm\", i.e. no lens"},
    // Damaged files.
    {"exiv2/exiv2-bug444.jpg", "keywords", kOnlyPhodex,
     "broken IPTC: Exiv2 reads a keyword \"ize\", exiftool warns and "
     "reads none"},
    {"exiv2/exiv2-bug444.jpg", "description", kOnlyPhodex,
     "broken IPTC: Exiv2 still reads the caption, exiftool reads none"},
    {"exiv2/exiv2-bug1229.jpg", "keywords", kDisagree,
     "two XMP packets: exiftool reports the second one's dc:subject, "
     "Exiv2 the first one's"},
    {"exiv2/exiv2-canon-powershot-s40.crw", "exposure_time", kDisagree,
     "Exiv2 stores the CRW shutter speed as the nominal 1/15 s; exiftool "
     "computes 1/15.3 s from the APEX value"},
};

const KnownDifference* FindKnown(const std::string& file,
                                 const std::string& field, Kind kind) {
  for (const auto& known : kKnownDifferences) {
    if (file == known.file && field == known.field && kind == known.kind)
      return &known;
  }
  return nullptr;
}

struct CorpusFile {
  std::string name;  // relative to files/: "exiftool/Canon.jpg"
  json exiftool;     // with OracleFixes applied
  Result<MediaMetadata> phodex = MediaMetadata{};
};

struct Corpus {
  std::string error;  // why it could not be loaded, "" if it was
  std::vector<CorpusFile> files;
};

Corpus LoadCorpusOnce() {
  Corpus corpus;
  fs::path expected = CorpusDir() / "expected.json";
  std::ifstream in(expected);
  if (!in) {
    corpus.error = "metadata corpus missing: cannot read " + expected.string() +
                   " (set PHODEX_CORPUS_DIR to the shared corpus folder)";
    return corpus;
  }
  json all = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!all.is_array() || all.empty()) {
    corpus.error = expected.string() + " is not a JSON array of files";
    return corpus;
  }
  InitMetadataLibraries();
  for (auto& object : all) {
    CorpusFile file;
    file.name = object.value("SourceFile", "");
    file.exiftool = std::move(object);
    file.phodex =
        ExtractImageMetadata((CorpusDir() / "files" / file.name).string());
    corpus.files.push_back(std::move(file));
  }
  for (const auto& fix : OracleFixes()) {
    auto it =
        std::find_if(corpus.files.begin(), corpus.files.end(),
                     [&](const CorpusFile& f) { return f.name == fix.file; });
    if (it == corpus.files.end() || !it->exiftool.contains(fix.tag)) {
      corpus.error =
          std::string("stale oracle fix: ") + fix.file + " has no " + fix.tag;
      return corpus;
    }
    if (fix.value.is_null()) {
      it->exiftool.erase(fix.tag);
    } else {
      it->exiftool[fix.tag] = fix.value;
    }
  }
  return corpus;
}

const Corpus& TheCorpus() {
  static const Corpus corpus = LoadCorpusOnce();
  return corpus;
}

// ---------------------------------------------------------------- oracle

std::string Trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

// exiftool writes numeric-looking strings (a model "1234") as numbers.
std::optional<std::string> JsonText(const json& v) {
  std::string s;
  if (v.is_string()) {
    s = Trim(v.get<std::string>());
  } else if (v.is_number_integer() || v.is_number_unsigned()) {
    s = std::to_string(v.get<int64_t>());
  } else if (v.is_number_float()) {
    s = v.dump();
  }
  if (s.empty()) return std::nullopt;
  return s;
}

std::optional<double> JsonNumber(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  std::string s = Trim(v.get<std::string>());
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

std::optional<std::string> FirstText(const json& o,
                                     std::initializer_list<const char*> tags) {
  for (const char* tag : tags) {
    if (!o.contains(tag)) continue;
    if (auto text = JsonText(o[tag])) return text;
  }
  return std::nullopt;
}

std::optional<double> FirstNumber(const json& o,
                                  std::initializer_list<const char*> tags) {
  for (const char* tag : tags) {
    if (!o.contains(tag)) continue;
    if (auto number = JsonNumber(o[tag])) return number;
  }
  return std::nullopt;
}

// "2016:09:28 18:18:05.813+02:00" -> "2016-09-28T18:18:05.813+02:00".
std::optional<std::string> ExiftoolDate(std::optional<std::string> s) {
  if (!s || s->size() < 19 || (*s)[4] != ':' || (*s)[7] != ':' ||
      (*s)[10] != ' ')
    return std::nullopt;
  (*s)[4] = '-';
  (*s)[7] = '-';
  (*s)[10] = 'T';
  if (s->ends_with("Z")) *s = s->substr(0, s->size() - 1) + "+00:00";
  return s;
}

struct Size {
  int64_t width, height;
  bool operator==(const Size&) const = default;
};

std::optional<Size> OracleSize(const json& o) {
  auto text = FirstText(o, {"Composite:ImageSize"});
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  Size size{};
  if (!(in >> size.width >> size.height)) return std::nullopt;
  return size;
}

std::optional<std::string> OracleLens(const json& o) {
  auto id = FirstText(o, {"Composite:LensID"});
  if (id && !id->starts_with("Unknown")) return id;
  return FirstText(o, {"EXIF:LensModel", "MakerNotes:LensModel"});
}

std::optional<double> OracleIso(const json& o) {
  if (auto iso = FirstNumber(
          o, {"EXIF:ISO", "Composite:ISO", "XMP:ISO", "SigmaRaw:ISO"}))
    return iso;
  auto maker = FirstText(o, {"MakerNotes:ISO"});  // Nikon: "0 200"
  if (!maker) return std::nullopt;
  return JsonNumber(maker->substr(maker->find_last_of(' ') + 1));
}

std::optional<GpsPosition> OracleGps(const json& o) {
  auto lat = FirstNumber(o, {"Composite:GPSLatitude"});
  auto lon = FirstNumber(o, {"Composite:GPSLongitude"});
  if (lat && lon)
    return GpsPosition{*lat, *lon, FirstNumber(o, {"Composite:GPSAltitude"})};
  lat = FirstNumber(o, {"XMP:GPSLatitude"});
  lon = FirstNumber(o, {"XMP:GPSLongitude"});
  if (lat && lon) return GpsPosition{*lat, *lon, std::nullopt};
  return std::nullopt;
}

std::optional<std::set<std::string>> OracleKeywords(const json& o) {
  for (const char* tag : {"XMP:Subject", "IPTC:Keywords"}) {
    if (!o.contains(tag)) continue;
    std::set<std::string> words;
    const json& v = o[tag];
    for (const json& item : v.is_array() ? v : json::array({v})) {
      if (auto text = JsonText(item)) words.insert(*text);
    }
    if (!words.empty()) return words;
  }
  return std::nullopt;
}

// ------------------------------------------------------------- comparing

std::string Describe(const std::string& s) { return "\"" + s + "\""; }
std::string Describe(double d) {
  std::ostringstream out;
  out << std::setprecision(10) << d;
  return out.str();
}
std::string Describe(const Size& s) {
  return std::to_string(s.width) + "x" + std::to_string(s.height);
}
std::string Describe(const GpsPosition& g) {
  return Describe(g.lat) + "," + Describe(g.lon) +
         (g.alt ? " alt " + Describe(*g.alt) : "");
}
std::string Describe(const std::set<std::string>& words) {
  std::string out = "{";
  for (const auto& w : words) out += (out.size() > 1 ? ", " : "") + Describe(w);
  return out + "}";
}

bool Near(double a, double b, double relative) {
  return std::fabs(a - b) <=
         relative * std::max(std::fabs(a), std::fabs(b)) + 1e-9;
}

bool SameGps(const GpsPosition& a, const GpsPosition& b) {
  if (std::fabs(a.lat - b.lat) > 1e-6 || std::fabs(a.lon - b.lon) > 1e-6)
    return false;
  if (a.alt.has_value() != b.alt.has_value()) return false;
  return !a.alt || std::fabs(*a.alt - *b.alt) < 0.01;
}

std::string NormaliseLens(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (!std::isspace(static_cast<unsigned char>(c)) && c != '[' && c != ']')
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (const char* brand : {"canon", "nikon", "sony"}) {
    if (out.starts_with(brand)) return out.substr(std::string(brand).size());
  }
  return out;
}

struct Difference {
  std::string file;
  Kind kind;
  std::string values;  // "exiftool \"a\", phodex \"b\""
};

// exiftool's LensID may list candidates ("A or B") and mark a part it is
// unsure of ("IF-ED [II]"); phodex naming any candidate agrees.
bool SameLens(const std::string& exiftool, const std::string& phodex) {
  std::string ours = NormaliseLens(phodex);
  size_t begin = 0;
  while (true) {
    size_t end = exiftool.find(" or ", begin);
    if (NormaliseLens(exiftool.substr(begin, end - begin)) == ours) return true;
    if (end == std::string::npos) return false;
    begin = end + 4;
  }
}

struct FieldStats {
  int both = 0, agree = 0, disagree = 0, only_exiftool = 0, only_phodex = 0;
  std::vector<Difference> differences;
  double agreement() const { return both == 0 ? 1.0 : double(agree) / both; }
};

template <typename T, typename Eq>
void Tally(FieldStats& stats, const std::string& file,
           const std::optional<T>& exiftool, const std::optional<T>& phodex,
           Eq equal) {
  if (exiftool && phodex) {
    ++stats.both;
    if (equal(*exiftool, *phodex)) {
      ++stats.agree;
      return;
    }
    ++stats.disagree;
    stats.differences.push_back(
        {file, Kind::kDisagree,
         "exiftool " + Describe(*exiftool) + ", phodex " + Describe(*phodex)});
  } else if (exiftool) {
    ++stats.only_exiftool;
    stats.differences.push_back(
        {file, Kind::kOnlyExiftool, "exiftool " + Describe(*exiftool)});
  } else if (phodex) {
    ++stats.only_phodex;
    stats.differences.push_back(
        {file, Kind::kOnlyPhodex, "phodex " + Describe(*phodex)});
  }
}

template <typename T>
std::optional<double> AsDouble(const std::optional<T>& v) {
  if (!v) return std::nullopt;
  return static_cast<double>(*v);
}

std::map<std::string, FieldStats> CompareCorpus(const Corpus& corpus) {
  std::map<std::string, FieldStats> s;
  auto exact = [](const auto& a, const auto& b) { return a == b; };
  auto near = [](double a, double b) { return Near(a, b, 1e-6); };
  for (const auto& f : corpus.files) {
    const json& o = f.exiftool;
    const MediaMetadata m = f.phodex.value_or(MediaMetadata{});
    const std::string& n = f.name;
    std::optional<Size> size;
    if (m.width && m.height) size = Size{*m.width, *m.height};
    std::optional<std::set<std::string>> words;
    if (!m.keywords.empty())
      words = std::set<std::string>(m.keywords.begin(), m.keywords.end());
    std::optional<std::string> mime;
    if (!m.mime.empty()) mime = m.mime;

    Tally(s["mime"], n, FirstText(o, {"File:MIMEType"}), mime, exact);
    Tally(s["width/height"], n, OracleSize(o), size, exact);
    Tally(s["orientation"], n,
          FirstNumber(o, {"EXIF:Orientation", "XMP:Orientation"}),
          AsDouble(m.orientation), exact);
    Tally(s["taken"], n,
          ExiftoolDate(FirstText(
              o, {"Composite:SubSecDateTimeOriginal", "EXIF:DateTimeOriginal",
                  "XMP:DateTimeOriginal", "Composite:DateTimeOriginal",
                  "MakerNotes:DateTimeOriginal", "SigmaRaw:DateTimeOriginal"})),
          m.taken, exact);
    Tally(s["make"], n,
          FirstText(
              o, {"EXIF:Make", "XMP:Make", "MakerNotes:Make", "SigmaRaw:Make"}),
          m.make, exact);
    Tally(s["model"], n,
          FirstText(o, {"EXIF:Model", "XMP:Model", "MakerNotes:Model",
                        "SigmaRaw:Model"}),
          m.model, exact);
    Tally(s["lens"], n, OracleLens(o), m.lens, SameLens);
    Tally(s["exposure_time"], n,
          FirstNumber(o, {"EXIF:ExposureTime", "XMP:ExposureTime",
                          "SigmaRaw:ExposureTime", "MakerNotes:ExposureTime"}),
          m.exposure_time, near);
    Tally(s["f_number"], n,
          FirstNumber(o, {"EXIF:FNumber", "XMP:FNumber", "SigmaRaw:FNumber",
                          "MakerNotes:FNumber"}),
          m.f_number, near);
    Tally(s["iso"], n, OracleIso(o), AsDouble(m.iso), exact);
    Tally(s["focal_length"], n,
          FirstNumber(o, {"EXIF:FocalLength", "XMP:FocalLength",
                          "SigmaRaw:FocalLength", "MakerNotes:FocalLength"}),
          m.focal_length, near);
    Tally(s["gps"], n, OracleGps(o), m.gps, SameGps);
    Tally(s["rating"], n,
          FirstNumber(o, {"XMP:Rating", "EXIF:Rating", "MakerNotes:Rating"}),
          AsDouble(m.rating), exact);
    Tally(s["keywords"], n, OracleKeywords(o), words, exact);
    Tally(s["title"], n, FirstText(o, {"XMP:Title", "IPTC:ObjectName"}),
          m.title, exact);
    Tally(s["description"], n,
          FirstText(o, {"XMP:Description", "IPTC:Caption-Abstract",
                        "EXIF:ImageDescription"}),
          m.description, exact);
  }
  return s;
}

const std::vector<std::string> kFieldOrder = {
    "mime",     "width/height", "orientation",  "taken",
    "make",     "model",        "lens",         "exposure_time",
    "f_number", "iso",          "focal_length", "gps",
    "rating",   "keywords",     "title",        "description"};

void PrintTable(const std::map<std::string, FieldStats>& stats, int files) {
  std::cout << "\nAgreement with exiftool 12.57 over " << files
            << " corpus files:\n\n"
            << "| field | both | agree | disagree | only exiftool | "
               "only phodex | agreement |\n"
            << "|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& field : kFieldOrder) {
    const FieldStats& f = stats.at(field);
    std::cout << "| " << field << " | " << f.both << " | " << f.agree << " | "
              << f.disagree << " | " << f.only_exiftool << " | "
              << f.only_phodex << " | " << std::fixed << std::setprecision(1)
              << 100.0 * f.agreement() << "% |\n";
  }
  std::cout << "\nDifferences (besides the " << UnreadableFiles().size()
            << " files Exiv2 cannot read):\n";
  for (const auto& field : kFieldOrder) {
    for (const auto& d : stats.at(field).differences) {
      if (UnreadableFiles().count(d.file)) continue;
      const KnownDifference* known = FindKnown(d.file, field, d.kind);
      std::cout << "  " << field << ", " << KindName(d.kind) << ", " << d.file
                << ": " << d.values << "\n      "
                << (known ? known->why : "NOT EXPLAINED") << "\n";
    }
  }
  std::cout << std::endl;
}

// ------------------------------------------------------------ the corpus

TEST(ImageMetadataCorpus, LoadsCorpus) {
  const Corpus& corpus = TheCorpus();
  ASSERT_EQ(corpus.error, "");
  EXPECT_EQ(corpus.files.size(), 166u);
}

TEST(ImageMetadataCorpus, OnlyTheKnownUnreadableFilesFail) {
  const Corpus& corpus = TheCorpus();
  ASSERT_EQ(corpus.error, "");
  for (const auto& f : corpus.files) {
    if (UnreadableFiles().count(f.name)) {
      ASSERT_FALSE(f.phodex.has_value()) << f.name;
      EXPECT_EQ(f.phodex.error().code(), ErrorCode::kContentFault) << f.name;
      EXPECT_NE(f.phodex.error().message(), "") << f.name;
    } else {
      EXPECT_TRUE(f.phodex.has_value())
          << f.name << ": " << f.phodex.error().ToString();
    }
  }
}

TEST(ImageMetadataCorpus, AgreesWithExiftool) {
  const Corpus& corpus = TheCorpus();
  ASSERT_EQ(corpus.error, "");
  auto stats = CompareCorpus(corpus);
  PrintTable(stats, static_cast<int>(corpus.files.size()));

  // Files exiftool and phodex both read agree on these fields.
  EXPECT_EQ(stats["mime"].agreement(), 1.0);
  for (const char* field : {"width/height", "orientation", "taken", "make",
                            "model", "gps", "rating"}) {
    EXPECT_GE(stats[field].agreement(), 0.99) << field;
  }
  for (const char* field :
       {"lens", "exposure_time", "f_number", "iso", "focal_length", "keywords",
        "title", "description"}) {
    EXPECT_GE(stats[field].agreement(), 0.9) << field;
  }

  // Nothing goes missing (or appears, or differs) silently: every
  // difference outside the unreadable files is one of kKnownDifferences,
  // and every entry there still happens.
  std::set<const KnownDifference*> seen;
  for (const auto& field : kFieldOrder) {
    for (const auto& d : stats[field].differences) {
      if (UnreadableFiles().count(d.file)) continue;
      const KnownDifference* known = FindKnown(d.file, field, d.kind);
      EXPECT_NE(known, nullptr)
          << "unexplained difference: " << field << ", " << KindName(d.kind)
          << ", " << d.file << ": " << d.values;
      seen.insert(known);
    }
  }
  for (const auto& known : kKnownDifferences) {
    EXPECT_TRUE(seen.count(&known))
        << "stale entry in kKnownDifferences: " << known.file << " "
        << known.field;
  }
}

// ----------------------------------------------------------- known values

struct Known {
  const char* file;
  std::optional<std::string> mime, taken, make, model, lens, title, description;
  std::optional<int64_t> width, height, iso;
  std::optional<int> orientation, rating;
  std::optional<double> exposure_time, f_number, focal_length;
  std::optional<GpsPosition> gps;
  std::vector<std::string> keywords;
  std::vector<std::string> absent;  // fields that must be null
};

const Known kKnown[] = {
    {.file = "exiv2/Canon-R6-pruned.CR3",  // EXIF LensModel beats Exiv2's F4L
     .mime = "image/x-canon-cr3",
     .taken = "2021-05-12T12:21:21.92+02:00",
     .make = "Canon",
     .model = "Canon EOS R6",
     .lens = "RF70-200mm F2.8 L IS USM",
     .width = 3408,
     .height = 2272,
     .iso = 100,
     .exposure_time = 0.25,
     .f_number = 25,
     .focal_length = 200},
    {.file = "exiftool/Canon1DmkIII.jpg",  // Canon maker-note LensModel
     .taken = "2007-02-22T17:02:42.81",
     .lens = "EF16-35mm f/2.8L II USM"},
    {.file = "exiftool/Canon.jpg",  // Exiv2 says "n/a": no lens, not "n/a"
     .taken = "2003-12-04T06:46:52",
     .exposure_time = 4,
     .absent = {"lens"}},
    {.file = "exiftool/NikonD70.jpg",  // ISO only in the Nikon maker notes
     .lens = "AF-S DX Zoom-Nikkor 18-70mm f/3.5-4.5G IF-ED",
     .iso = 200},
    {.file = "exiv2/smiley2.jpg",  // PowerShot: CanonSi.ISOSpeed 128 is 50
     .iso = 50},
    {.file = "exiv2/exiv2-bug1062.jpg",
     .lens = "Sigma 18-250mm F3.5-6.3 DC Macro OS HSM"},
    {.file = "exiv2/exiv2-bug884b.jpg",  // Exiv2's 35-70mm for a 400mm shot
     .absent = {"lens"}},
    {.file = "exiftool/GoPro.jpg",  // below sea level, west
     .gps = GpsPosition{40.6584191999722, -73.9933542999722, -3.983}},
    {.file = "exiv2/exiv2-bug528.jpg",  // east, no sign
     .rating = 3,
     .gps = GpsPosition{47.6161166666667, 1.51692777777778, 86}},
    {.file = "exiftool/InfiRay.jpg", .absent = {"gps"}},  // 0/0 rationals
    {.file = "exiv2/exiv2-bug540.jpg",                    // XMP only
     .taken = "2002-07-13T15:58:28+00:00",
     .make = "FUJIFILM",
     .gps = GpsPosition{54.9896666666667, -1.91416666666667, std::nullopt}},
    {.file = "exiv2/FujiTagsSTone1HTone-1Rating5.jpg", .rating = 5},
    {.file = "exiv2/FujiTagsDRangeAutoRating1.jpg", .rating = 1},
    {.file = "exiv2/FujiTagsSTone4HTone-2.jpg", .rating = 0},
    {.file = "exiftool/IPTC.jpg",
     .title = "Test IPTC picture",
     .description = "A witty caption",
     .keywords = {"ExifTool", "Test", "IPTC"}},
    {.file = "exiftool/MWG.jpg",  // XMP before IPTC and EXIF
     .description = "WRONG-XMP-Description",
     .orientation = 6,
     .rating = 3,
     .keywords = {"RIGHT1of2-XMP-Keywords", "RIGHT2of2-XMP-Keywords"}},
    {.file = "exiftool/PhotoMechanic.jpg",  // IPTC date with its zone
     .taken = "2006-10-29T06:27:51-05:00"},
    {.file = "exiv2/exiv2-bug440.jpg",  // IPTC time without a zone
     .taken = "2005-09-29T16:51:00"},
    {.file = "exiv2/exiv2-bug479.jpg",  // Exif tags in IFD0
     .taken = "2006-05-27T12:37:03",
     .iso = 250},
    {.file = "exiftool/CanonRaw.crw",  // CRW maker-note date
     .mime = "image/x-canon-crw",
     .taken = "2003-11-10T17:39:26",
     .make = "Canon",
     .width = 3072,
     .height = 2048},
    {.file = "exiv2/Stonehenge.heic",  // ispe, not the stale Exif 6000x4000
     .mime = "image/heic",
     .width = 300,
     .height = 200},
    {.file = "exiv2/Canon.HIF",
     .mime = "image/heif",
     .width = 2400,
     .height = 1600},
    {.file = "exiv2/issue_9292_sony_6_right_top.HIF",  // portrait pixels
     .width = 4672,
     .height = 7008,
     .absent = {"orientation"}},
    {.file = "exiv2/2021-02-13-1929.heic",
     .width = 4032,
     .height = 3024,
     .orientation = 6},
    {.file = "exiv2/exiv2-bug2565.jpg",
     .width = 4032,
     .height = 3024,
     .orientation = 6},
    {.file = "exiftool/FujiFilm.raf",
     .mime = "image/x-fujifilm-raf",
     .width = 4256,
     .height = 1424},
    {.file = "exiftool/Panasonic.rw2", .width = 3648, .height = 2736},
    {.file = "exiftool/PhaseOne.iiq",
     .mime = "image/x-raw",
     .width = 7320,
     .height = 5484},
    {.file = "exiftool/DNG.dng", .mime = "image/x-adobe-dng"},
    {.file = "exiv2/exiv2-bug855.jpg", .mime = "image/jpeg"},
    {.file = "exiftool/JVC.jpg", .absent = {"description"}},  // all spaces
};

class ImageMetadataKnownValues : public ::testing::TestWithParam<Known> {};

std::optional<bool> IsSet(const MediaMetadata& m, const std::string& field) {
  if (field == "lens") return m.lens.has_value();
  if (field == "gps") return m.gps.has_value();
  if (field == "orientation") return m.orientation.has_value();
  if (field == "description") return m.description.has_value();
  return std::nullopt;
}

template <typename T>
void ExpectField(const char* name, const std::optional<T>& want,
                 const std::optional<T>& got) {
  if (want) {
    EXPECT_EQ(got, want) << name;
  }
}

void ExpectNear(const char* name, std::optional<double> want,
                std::optional<double> got) {
  if (want) {
    ASSERT_TRUE(got.has_value()) << name;
    EXPECT_NEAR(*got, *want, 1e-9) << name;
  }
}

TEST_P(ImageMetadataKnownValues, Matches) {
  const Known& k = GetParam();
  fs::path file = CorpusDir() / "files" / k.file;
  ASSERT_TRUE(fs::exists(file)) << "metadata corpus missing: " << file;
  auto result = ExtractImageMetadata(file.string());
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  const MediaMetadata& m = *result;
  if (k.mime) {
    EXPECT_EQ(m.mime, *k.mime);
  }
  ExpectField("taken", k.taken, m.taken);
  ExpectField("make", k.make, m.make);
  ExpectField("model", k.model, m.model);
  ExpectField("lens", k.lens, m.lens);
  ExpectField("title", k.title, m.title);
  ExpectField("description", k.description, m.description);
  ExpectField("width", k.width, m.width);
  ExpectField("height", k.height, m.height);
  ExpectField("iso", k.iso, m.iso);
  ExpectField("orientation", k.orientation, m.orientation);
  ExpectField("rating", k.rating, m.rating);
  ExpectNear("exposure_time", k.exposure_time, m.exposure_time);
  ExpectNear("f_number", k.f_number, m.f_number);
  ExpectNear("focal_length", k.focal_length, m.focal_length);
  if (k.gps) {
    ASSERT_TRUE(m.gps.has_value());
    EXPECT_TRUE(SameGps(*m.gps, *k.gps)) << Describe(*m.gps);
  }
  if (!k.keywords.empty()) {
    EXPECT_EQ(m.keywords, k.keywords);
  }
  for (const auto& field : k.absent) {
    auto set = IsSet(m, field);
    ASSERT_TRUE(set.has_value()) << "unknown field in test table: " << field;
    EXPECT_FALSE(*set) << field << " should be absent";
  }
}

std::string KnownName(const ::testing::TestParamInfo<Known>& info) {
  std::string name;
  for (char c : std::string(info.param.file)) {
    name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(ImageMetadata, ImageMetadataKnownValues,
                         ::testing::ValuesIn(kKnown), KnownName);

TEST(ImageMetadataTagsJson, HoldsEveryTagAsValidCompactJson) {
  fs::path file = CorpusDir() / "files" / "exiv2" / "Reagan.jpg";
  ASSERT_TRUE(fs::exists(file)) << "metadata corpus missing: " << file;
  auto m = ExtractImageMetadata(file.string());
  ASSERT_TRUE(m.has_value()) << m.error().ToString();
  json tags = json::parse(m->tags_json);  // throws on invalid UTF-8 / JSON
  EXPECT_EQ(tags["Exif.Image.Make"], "NIKON CORPORATION");
  EXPECT_EQ(tags["Exif.Photo.ExposureTime"], "1/125");
  EXPECT_TRUE(tags["Iptc.Application2.Keywords"].is_array());
  EXPECT_FALSE(tags.contains("Exif.Photo.MakerNote"));  // binary blob
  EXPECT_EQ(m->tags_json.find('\n'), std::string::npos);
}

// ------------------------------------------------------------- sidecars

class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = fs::temp_directory_path() /
            ("phodex-exiv2-test-" + std::to_string(random()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  fs::path Write(const std::string& name, const std::string& content) const {
    fs::path file = path_ / name;
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }
  fs::path File(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// What Lightroom Classic writes next to a RAW file (abridged).
constexpr const char* kLightroomSidecar =
    R"(<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0-c000">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:aux="http://ns.adobe.com/exif/1.0/aux/"
    xmp:Rating="4"
    xmp:Label="Red"
    exif:DateTimeOriginal="2023-07-14T18:02:31.25+02:00"
    exif:GPSLatitude="48,51.4176N"
    exif:GPSLongitude="2,17.7336E"
    aux:Lens="EF24-105mm f/4L IS USM">
   <dc:subject>
    <rdf:Bag>
     <rdf:li>Paris</rdf:li>
     <rdf:li>tower</rdf:li>
     <rdf:li>Paris</rdf:li>
     <rdf:li>night</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <dc:title>
    <rdf:Alt>
     <rdf:li xml:lang="x-default">Eiffel Tower at dusk</rdf:li>
    </rdf:Alt>
   </dc:title>
   <dc:description>
    <rdf:Alt>
     <rdf:li xml:lang="x-default">From the Trocadéro</rdf:li>
    </rdf:Alt>
   </dc:description>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
)";

// What darktable writes: an XML declaration, rejected picture, a
// language other than x-default.
constexpr const char* kDarktableSidecar =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmp:Rating="-1">
   <dc:title>
    <rdf:Alt>
     <rdf:li xml:lang="de-DE">Brücke</rdf:li>
    </rdf:Alt>
   </dc:title>
   <dc:description>
    <rdf:Alt>
     <rdf:li xml:lang="x-default">   </rdf:li>
    </rdf:Alt>
   </dc:description>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
)";

TEST(SidecarMetadata, ReadsWhatLightroomWrites) {
  TempDir dir;
  auto m = ExtractImageMetadata(
      dir.Write("IMG_0001.CR2.xmp", kLightroomSidecar).string());
  ASSERT_TRUE(m.has_value()) << m.error().ToString();
  EXPECT_EQ(m->mime, "application/rdf+xml");
  EXPECT_EQ(m->rating, 4);
  EXPECT_EQ(m->label, "Red");
  EXPECT_EQ(m->keywords, (std::vector<std::string>{"Paris", "tower", "night"}));
  EXPECT_EQ(m->title, "Eiffel Tower at dusk");
  EXPECT_EQ(m->description, "From the Trocadéro");
  EXPECT_EQ(m->taken, "2023-07-14T18:02:31.25+02:00");
  EXPECT_EQ(m->lens, "EF24-105mm f/4L IS USM");
  ASSERT_TRUE(m->gps.has_value());
  EXPECT_NEAR(m->gps->lat, 48.85696, 1e-6);
  EXPECT_NEAR(m->gps->lon, 2.29556, 1e-6);
  EXPECT_FALSE(m->width.has_value());  // a sidecar has no pixels
  json tags = json::parse(m->tags_json);
  EXPECT_EQ(tags["Xmp.xmp.Label"], "Red");
}

TEST(SidecarMetadata, ReadsWhatDarktableWrites) {
  TempDir dir;
  auto m = ExtractImageMetadata(
      dir.Write("DSC_0001.NEF.xmp", kDarktableSidecar).string());
  ASSERT_TRUE(m.has_value()) << m.error().ToString();
  EXPECT_EQ(m->mime, "application/rdf+xml");
  EXPECT_EQ(m->rating, -1);                  // rejected
  EXPECT_EQ(m->title, "Brücke");             // no x-default: first language
  EXPECT_FALSE(m->description.has_value());  // whitespace only
  EXPECT_TRUE(m->keywords.empty());
  EXPECT_FALSE(m->taken.has_value());
}

TEST(SidecarMetadata, RatingOutsideTheScaleIsNull) {
  TempDir dir;
  std::string xmp = kDarktableSidecar;
  xmp.replace(xmp.find("\"-1\""), 4, "\"7\"");
  auto m = ExtractImageMetadata(dir.Write("a.xmp", xmp).string());
  ASSERT_TRUE(m.has_value()) << m.error().ToString();
  EXPECT_FALSE(m->rating.has_value());
}

// -------------------------------------------- HEIF tagged with exiftool

// Phone photos geotagged, dated and rated with exiftool (issue #11):
// libheif encodes (through vips, as ImageMagick does), exiftool adds the
// Exif and XMP items, and every field phodex reads is compared with
// exiftool's -j -n output by the corpus comparison above.

bool RunQuietly(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

std::string Quote(const fs::path& p) { return "'" + p.string() + "'"; }

json ExiftoolJson(const fs::path& file) {
  std::string out;
  if (FILE* p = ::popen(("exiftool -j -n -G " + Quote(file)).c_str(), "r")) {
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;)
      out.append(buf, n);
    ::pclose(p);
  }
  json all = json::parse(out, nullptr, /*allow_exceptions=*/false);
  return all.is_array() && !all.empty() ? all[0] : json::object();
}

// Every field phodex normalises, the way people set them on phone photos.
constexpr const char* kExiftoolTagging =
    "-Make=Apple -Model='iPhone 12 Pro' "
    "'-DateTimeOriginal=2023:05:06 07:08:09' -SubSecTimeOriginal=25 "
    "-OffsetTimeOriginal=+02:00 "
    "-GPSLatitude=48.8584 -GPSLatitudeRef=N -GPSLongitude=2.2945 "
    "-GPSLongitudeRef=W -GPSAltitude=35.5 -GPSAltitudeRef=0 "
    "-Orientation#=6 -ExposureTime=1/250 -FNumber=1.8 -ISO=100 "
    "-FocalLength=4.2 '-LensModel=iPhone 12 Pro back camera 4.2mm f/1.6' "
    "-XMP-xmp:Rating=4 -XMP-xmp:Label=Red "
    "-XMP-dc:Subject=paris -XMP-dc:Subject=tower "
    "'-XMP-dc:Title=Eiffel Tower' '-XMP-dc:Description=From the Trocadéro'";

// A picture of `size` ("96 64") saved by vips as `name` (".heic": HEVC,
// ".avif": AV1) and tagged by exiftool; "" and `why` set when vips cannot
// write it.
fs::path MakeTaggedHeif(const TempDir& dir, const std::string& name,
                        const std::string& size, std::string& why) {
  const fs::path jpeg = dir.File("source.jpg");
  const fs::path heif = dir.File(name);
  if (!RunQuietly("vips black " + Quote(jpeg) + " " + size + " --bands 3")) {
    why = "vips black failed (is libvips-tools installed?)";
    return {};
  }
  if (!RunQuietly("vips copy " + Quote(jpeg) + " " + Quote(heif))) {
    why = "this libvips cannot write " + name + " (no encoder for it)";
    return {};
  }
  if (!RunQuietly("exiftool -overwrite_original " +
                  std::string(kExiftoolTagging) + " " + Quote(heif))) {
    why = "exiftool failed (is libimage-exiftool-perl installed?)";
    return {};
  }
  return heif;
}

struct TaggedHeif {
  const char* test_name;
  const char* file_name;
  const char* size;
};

// What Exiv2 0.27.6 alone finds in each: nothing in the grid HEIC (libheif
// stores an odd-sized picture as a grid of one tile, with a version 1
// `iloc`), the Exif but not the XMP item in the others.
const TaggedHeif kTaggedHeifs[] = {{"heic_grid", "grid.heic", "100 75"},
                                   {"heic", "photo.heic", "96 64"},
                                   {"avif", "photo.avif", "96 64"}};

void PrintTo(const TaggedHeif& heif, std::ostream* out) {
  *out << heif.file_name << " (" << heif.size << ")";
}

class HeifTaggedByExiftool : public ::testing::TestWithParam<TaggedHeif> {};

TEST_P(HeifTaggedByExiftool, EveryFieldAgreesWithExiftool) {
  TempDir dir;
  std::string why;
  const TaggedHeif& param = GetParam();
  const fs::path file = MakeTaggedHeif(dir, param.file_name, param.size, why);
  if (std::string_view(param.file_name).ends_with(".avif") && file.empty())
    GTEST_SKIP() << why;
  ASSERT_FALSE(file.empty()) << why;

  Corpus tagged;
  tagged.files.push_back(CorpusFile{.name = file.filename().string(),
                                    .exiftool = ExiftoolJson(file),
                                    .phodex = ExtractImageMetadata(file)});
  const CorpusFile& f = tagged.files.front();
  ASSERT_TRUE(f.phodex.has_value()) << f.phodex.error().ToString();
  auto stats = CompareCorpus(tagged);
  for (const auto& field : kFieldOrder) {
    const FieldStats& s = stats[field];
    std::string differences;
    for (const auto& d : s.differences)
      differences += std::string(KindName(d.kind)) + ": " + d.values + "; ";
    // exiftool reports every one of them: each must agree.
    EXPECT_EQ(s.agree, 1) << field << ": " << differences;
  }
  EXPECT_EQ(f.phodex->label, f.exiftool.value("XMP:Label", "")) << "label";

  json tags = json::parse(f.phodex->tags_json);
  EXPECT_EQ(tags["Exif.Image.Make"], "Apple");
  EXPECT_EQ(tags["Exif.Photo.LensModel"],
            "iPhone 12 Pro back camera 4.2mm f/1.6");
  EXPECT_EQ(tags["Xmp.xmp.Rating"], "4");
  EXPECT_EQ(tags["Xmp.dc.subject"], "paris, tower");
}

INSTANTIATE_TEST_SUITE_P(ImageMetadata, HeifTaggedByExiftool,
                         ::testing::ValuesIn(kTaggedHeifs),
                         [](const ::testing::TestParamInfo<TaggedHeif>& info) {
                           return std::string(info.param.test_name);
                         });

// Where an `iloc` extent of the item whose data starts with `signature`
// lies (ISO 14496-12 8.11.3), so tests can damage that item.
struct IlocExtent {
  size_t offset_field = 0;  // file offset of the extent_offset field
  size_t offset_bytes = 0;  // its width: 4 or 8
  size_t length_field = 0;  // file offset of the extent_length field
  size_t length_bytes = 0;  // its width: 4 or 8
  uint64_t base = 0;        // the item's base_offset
  uint64_t offset = 0;      // where the item's data starts in the file
  uint64_t length = 0;
};

uint64_t BigEndian(const std::string& bytes, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v = (v << 8) | static_cast<unsigned char>(bytes.at(at + i));
  return v;
}

void PutBigEndian(std::string& bytes, size_t at, size_t n, uint64_t v) {
  for (size_t i = n; i-- > 0; v >>= 8)
    bytes.at(at + i) = static_cast<char>(v & 0xFF);
}

// Reads the (well-formed, generated) file's `iloc` box; only items stored
// in the file itself (construction method 0) are considered.
std::optional<IlocExtent> FindItem(const std::string& file,
                                   std::string_view signature) {
  const size_t type = file.find("iloc");
  if (type == std::string::npos || type < 4) return std::nullopt;
  size_t pos = type + 4;
  const int version = static_cast<unsigned char>(file.at(pos));
  pos += 4;  // version, flags
  const size_t offset_size = BigEndian(file, pos, 1) >> 4;
  const size_t length_size = BigEndian(file, pos, 1) & 15;
  const size_t base_size = BigEndian(file, pos + 1, 1) >> 4;
  const size_t index_size = version >= 1 ? BigEndian(file, pos + 1, 1) & 15 : 0;
  pos += 2;
  const size_t id_size = version < 2 ? 2 : 4;
  const uint64_t items = BigEndian(file, pos, id_size);
  pos += id_size;
  for (uint64_t i = 0; i < items; ++i) {
    pos += id_size;
    uint64_t method = 0;
    if (version >= 1) {
      method = BigEndian(file, pos, 2) & 15;
      pos += 2;
    }
    pos += 2;  // data_reference_index
    const uint64_t base = BigEndian(file, pos, base_size);
    pos += base_size;
    const uint64_t extents = BigEndian(file, pos, 2);
    pos += 2;
    for (uint64_t e = 0; e < extents; ++e) {
      pos += index_size;
      IlocExtent x{.offset_field = pos,
                   .offset_bytes = offset_size,
                   .length_field = pos + offset_size,
                   .length_bytes = length_size,
                   .base = base,
                   .offset = base + BigEndian(file, pos, offset_size),
                   .length = BigEndian(file, pos + offset_size, length_size)};
      pos += offset_size + length_size;
      if (method == 0 && x.offset_bytes >= 4 && x.length_bytes >= 4 &&
          file.compare(x.offset, signature.size(), signature) == 0)
        return x;
    }
  }
  return std::nullopt;
}

std::string ReadBytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

constexpr std::string_view kExifItem("\0\0\0\6Exif\0\0", 10);
constexpr std::string_view kXmpItem("<?xpacket");

// A tagged HEIC and where its Exif and XMP items lie, for damaging.
class HeifHostile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    const fs::path file = MakeTaggedHeif(dir_, "photo.heic", "96 64", why);
    ASSERT_FALSE(file.empty()) << why;
    bytes_ = ReadBytes(file);
    exif_ = FindItem(bytes_, kExifItem);
    xmp_ = FindItem(bytes_, kXmpItem);
    ASSERT_TRUE(exif_ && xmp_) << "no Exif or XMP item in the generated file";
  }
  Result<MediaMetadata> Extract(const std::string& bytes) {
    return ExtractImageMetadata(dir_.Write("damaged.heic", bytes));
  }

  TempDir dir_;
  std::string bytes_;
  std::optional<IlocExtent> exif_, xmp_;
};

TEST_F(HeifHostile, TruncatedFilesGiveAResultOrAnError) {
  // Cuts all over the file, denser at the start of each item (its
  // header) and around its end.
  std::set<size_t> cuts;
  for (size_t n = 0; n < bytes_.size(); n += 32) cuts.insert(n);
  for (const IlocExtent* item : {&*exif_, &*xmp_}) {
    const size_t end = item->offset + item->length;
    for (size_t n = item->offset; n < item->offset + 24; ++n) cuts.insert(n);
    for (size_t n = item->offset; n < end; n += 41) cuts.insert(n);
    for (size_t n = end - 4; n <= end; ++n) cuts.insert(n);
  }
  int read = 0;
  for (size_t n : cuts) {
    auto m = Extract(bytes_.substr(0, n));
    if (m.has_value()) {
      ++read;
    } else {
      EXPECT_EQ(m.error().code(), ErrorCode::kContentFault) << n;
      EXPECT_NE(m.error().message(), "") << n;
    }
  }
  EXPECT_GT(read, 0);
}

// libheif 1.15 refuses the whole file (its 512 MiB limit): what Exiv2
// read stands.
TEST_F(HeifHostile, HugeItemPastTheEndGivesAPartialResult) {
  PutBigEndian(bytes_, xmp_->length_field, xmp_->length_bytes, 0xFFFFFF00u);
  auto m = Extract(bytes_);
  ASSERT_TRUE(m.has_value()) << m.error().ToString();
  EXPECT_EQ(m->mime, "image/heic");
  EXPECT_EQ(m->width, 96);
  EXPECT_FALSE(m->rating.has_value());
}

// An item larger than kMaxHeifMetadataItemBytes (16 MiB) is refused
// before it is copied: the rest of the file still reads.
TEST_F(HeifHostile, OversizedItemIsRefusedAndTheOthersRead) {
  // The XMP item moves into a `free` box appended to the file, followed by
  // 17 MiB of white space: a valid packet Exiv2 would read, were it not
  // refused.
  const std::string packet = bytes_.substr(xmp_->offset, xmp_->length);
  const uint64_t item_bytes = (uint64_t{17} << 20) + packet.size();
  std::string free_box(8, '\0');
  PutBigEndian(free_box, 0, 4, 8 + item_bytes);
  free_box.replace(4, 4, "free");
  PutBigEndian(bytes_, xmp_->offset_field, xmp_->offset_bytes,
               bytes_.size() + 8 - xmp_->base);
  PutBigEndian(bytes_, xmp_->length_field, xmp_->length_bytes, item_bytes);
  bytes_ += free_box + packet + std::string(item_bytes - packet.size(), ' ');
  auto m = Extract(bytes_);
  ASSERT_TRUE(m.has_value()) << m.error().ToString();
  EXPECT_EQ(m->make, "Apple");          // the Exif item
  EXPECT_FALSE(m->rating.has_value());  // the XMP item, refused
}

// ---------------------------------------------------------------- errors

TEST(Exiv2Errors, MissingFileIsNotFound) {
  auto m = ExtractImageMetadata(
      (fs::temp_directory_path() / "phodex-no-such-dir" / "x.jpg").string());
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(m.error().path(), "");
}

TEST(Exiv2Errors, NotAnImageIsCorruptWithAReason) {
  using namespace std::string_literals;
  TempDir dir;
  for (const auto& [name, content, reason] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"text.jpg", "hello, this is not a JPEG\n",
            "not a format Exiv2 knows"},
           {"empty.jpg", "", "not a format Exiv2 knows"},
           {"truncated.jpg",
            "\xFF\xD8\xFF\xE1\x10\x00"
            "Exif\0\0II*\0"s,
            "Failed to read image data"}}) {
    auto m = ExtractImageMetadata(dir.Write(name, content).string());
    ASSERT_FALSE(m.has_value()) << name;
    EXPECT_EQ(m.error().code(), ErrorCode::kContentFault) << name;
    EXPECT_EQ(m.error().message(), "not a readable image: " + reason) << name;
  }
}

TEST(Exiv2Errors, FolderIsAnErrorNotAnImage) {
  auto m = ExtractImageMetadata(fs::temp_directory_path().string());
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().ToString().find("read '"), 0u) << m.error().ToString();
}

// ------------------------------------------------------------- threading

TEST(Exiv2Threads, ConcurrentExtractionsMatchSequentialOnes) {
  const Corpus& corpus = TheCorpus();
  ASSERT_EQ(corpus.error, "");
  constexpr int kThreads = 4;
  // One row per thread: no two threads write the same element.
  std::vector<std::vector<char>> same(kThreads,
                                      std::vector<char>(corpus.files.size()));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < corpus.files.size(); ++i) {
        size_t at = (i + t * 37) % corpus.files.size();  // different orders
        const CorpusFile& f = corpus.files[at];
        auto again =
            ExtractImageMetadata((CorpusDir() / "files" / f.name).string());
        same[t][at] = again.has_value() == f.phodex.has_value() &&
                      (!again.has_value() || *again == *f.phodex);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    for (size_t i = 0; i < corpus.files.size(); ++i)
      EXPECT_TRUE(same[t][i]) << corpus.files[i].name << " thread " << t;
  }
}

}  // namespace
}  // namespace phodex::media
