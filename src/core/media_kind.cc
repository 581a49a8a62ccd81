#include "core/media_kind.h"

#include <array>
#include <string_view>

#include "util/text.h"

namespace phodex {
namespace {

struct ExtKind {
  std::string_view ext;
  MediaKind kind;
};

// The extensions the scan knows (issue #2). Sorted only for readability.
constexpr std::array kExtensions = {
    // photos
    ExtKind{"jpg", MediaKind::kPhoto}, ExtKind{"jpeg", MediaKind::kPhoto},
    ExtKind{"jpe", MediaKind::kPhoto}, ExtKind{"heic", MediaKind::kPhoto},
    ExtKind{"heif", MediaKind::kPhoto}, ExtKind{"avif", MediaKind::kPhoto},
    ExtKind{"png", MediaKind::kPhoto}, ExtKind{"tif", MediaKind::kPhoto},
    ExtKind{"tiff", MediaKind::kPhoto}, ExtKind{"webp", MediaKind::kPhoto},
    ExtKind{"bmp", MediaKind::kPhoto}, ExtKind{"gif", MediaKind::kPhoto},
    ExtKind{"jxl", MediaKind::kPhoto},
    // camera raw
    ExtKind{"dng", MediaKind::kRaw}, ExtKind{"arw", MediaKind::kRaw},
    ExtKind{"cr2", MediaKind::kRaw}, ExtKind{"cr3", MediaKind::kRaw},
    ExtKind{"crw", MediaKind::kRaw}, ExtKind{"nef", MediaKind::kRaw},
    ExtKind{"nrw", MediaKind::kRaw}, ExtKind{"raf", MediaKind::kRaw},
    ExtKind{"orf", MediaKind::kRaw}, ExtKind{"rw2", MediaKind::kRaw},
    ExtKind{"srw", MediaKind::kRaw}, ExtKind{"x3f", MediaKind::kRaw},
    ExtKind{"pef", MediaKind::kRaw}, ExtKind{"erf", MediaKind::kRaw},
    ExtKind{"3fr", MediaKind::kRaw}, ExtKind{"iiq", MediaKind::kRaw},
    ExtKind{"mrw", MediaKind::kRaw}, ExtKind{"dcr", MediaKind::kRaw},
    ExtKind{"kdc", MediaKind::kRaw}, ExtKind{"mos", MediaKind::kRaw},
    ExtKind{"rwl", MediaKind::kRaw}, ExtKind{"sr2", MediaKind::kRaw},
    ExtKind{"srf", MediaKind::kRaw},
    // video
    ExtKind{"mp4", MediaKind::kVideo}, ExtKind{"mov", MediaKind::kVideo},
    ExtKind{"m4v", MediaKind::kVideo}, ExtKind{"mts", MediaKind::kVideo},
    ExtKind{"m2ts", MediaKind::kVideo}, ExtKind{"avi", MediaKind::kVideo},
    ExtKind{"mkv", MediaKind::kVideo}, ExtKind{"3gp", MediaKind::kVideo},
    // sidecars
    ExtKind{"xmp", MediaKind::kSidecar}, ExtKind{"aae", MediaKind::kSidecar},
};

// A recognised container signature.
enum class Format {
  kNone, kJpeg, kPng, kGif, kBmp, kWebp, kTiffLE, kTiffBE, kIsoBmff,
  kJxl, kRiffAvi, kMatroska, kMpegTs, kFujiRaf, kCanonCrw, kOrf, kRw2,
  kX3f, kMrw, kXml,
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

Format Detect(std::string_view h) {
  using namespace std::string_view_literals;
  if (StartsWith(h, "\xFF\xD8\xFF"sv)) return Format::kJpeg;
  if (StartsWith(h, "\x89PNG\r\n\x1A\n"sv)) return Format::kPng;
  if (StartsWith(h, "GIF87a"sv) || StartsWith(h, "GIF89a"sv))
    return Format::kGif;
  if (StartsWith(h, "BM"sv) && h.size() >= 14) return Format::kBmp;
  if (StartsWith(h, "RIFF"sv) && h.substr(8, 4) == "WEBP"sv)
    return Format::kWebp;
  if (StartsWith(h, "RIFF"sv) && h.substr(8, 4) == "AVI "sv)
    return Format::kRiffAvi;
  if (StartsWith(h, "II*\0"sv) || StartsWith(h, "II+\0"sv))
    return Format::kTiffLE;
  if (StartsWith(h, "MM\0*"sv) || StartsWith(h, "MM\0+"sv))
    return Format::kTiffBE;
  if (StartsWith(h, "IIRO"sv) || StartsWith(h, "IIRS"sv) ||
      StartsWith(h, "MMOR"sv))
    return Format::kOrf;
  if (StartsWith(h, "IIU\0"sv)) return Format::kRw2;
  if (h.size() >= 12 && h.substr(4, 4) == "ftyp"sv) return Format::kIsoBmff;
  // QuickTime files may start with other atoms before ftyp.
  if (h.size() >= 8 && (h.substr(4, 4) == "moov"sv ||
                        h.substr(4, 4) == "wide"sv ||
                        h.substr(4, 4) == "mdat"sv ||
                        h.substr(4, 4) == "free"sv ||
                        h.substr(4, 4) == "skip"sv))
    return Format::kIsoBmff;
  if (StartsWith(h, "\xFF\x0A"sv) ||
      StartsWith(h, "\0\0\0\x0CJXL \r\n\x87\n"sv))
    return Format::kJxl;
  if (StartsWith(h, "\x1A\x45\xDF\xA3"sv)) return Format::kMatroska;
  if (StartsWith(h, "FUJIFILMCCD-RAW"sv)) return Format::kFujiRaf;
  if (StartsWith(h, "II\x1A\0\0\0HEAPCCDR"sv)) return Format::kCanonCrw;
  if (StartsWith(h, "FOVb"sv)) return Format::kX3f;
  if (StartsWith(h, "\0MRM"sv)) return Format::kMrw;
  // MPEG transport streams: sync byte every 188 (TS) or 192 (M2TS) bytes;
  // with only the head we can check the first one.
  if (!h.empty() && h[0] == '\x47') return Format::kMpegTs;
  if (h.size() >= 5 && h[4] == '\x47') return Format::kMpegTs;
  std::string_view t = h;
  if (StartsWith(t, "\xEF\xBB\xBF"sv)) t.remove_prefix(3);
  while (!t.empty() && (t[0] == ' ' || t[0] == '\n' || t[0] == '\r' ||
                        t[0] == '\t'))
    t.remove_prefix(1);
  if (StartsWith(t, "<"sv)) return Format::kXml;
  return Format::kNone;
}

const char* FormatName(Format f) {
  switch (f) {
    case Format::kJpeg: return "JPEG";
    case Format::kPng: return "PNG";
    case Format::kGif: return "GIF";
    case Format::kBmp: return "BMP";
    case Format::kWebp: return "WebP";
    case Format::kTiffLE:
    case Format::kTiffBE: return "TIFF";
    case Format::kIsoBmff: return "ISO media (HEIF/MP4/MOV)";
    case Format::kJxl: return "JPEG XL";
    case Format::kRiffAvi: return "AVI";
    case Format::kMatroska: return "Matroska";
    case Format::kMpegTs: return "MPEG-TS";
    case Format::kFujiRaf: return "Fujifilm RAF";
    case Format::kCanonCrw: return "Canon CRW";
    case Format::kOrf: return "Olympus ORF";
    case Format::kRw2: return "Panasonic RW2";
    case Format::kX3f: return "Sigma X3F";
    case Format::kMrw: return "Minolta MRW";
    case Format::kXml: return "XML";
    case Format::kNone: return "unrecognised";
  }
  return "unrecognised";
}

// The formats a given extension may legitimately hold. Empty: no cheap
// signature, trust the name.
struct Expect {
  std::string_view ext;
  std::array<Format, 4> formats;
};

constexpr Format N = Format::kNone;
constexpr std::array kExpectations = {
    Expect{"jpg", {Format::kJpeg, N, N, N}},
    Expect{"jpeg", {Format::kJpeg, N, N, N}},
    Expect{"jpe", {Format::kJpeg, N, N, N}},
    Expect{"png", {Format::kPng, N, N, N}},
    Expect{"gif", {Format::kGif, N, N, N}},
    Expect{"bmp", {Format::kBmp, N, N, N}},
    Expect{"webp", {Format::kWebp, N, N, N}},
    Expect{"tif", {Format::kTiffLE, Format::kTiffBE, N, N}},
    Expect{"tiff", {Format::kTiffLE, Format::kTiffBE, N, N}},
    Expect{"heic", {Format::kIsoBmff, N, N, N}},
    Expect{"heif", {Format::kIsoBmff, N, N, N}},
    Expect{"avif", {Format::kIsoBmff, N, N, N}},
    Expect{"jxl", {Format::kJxl, N, N, N}},
    Expect{"cr3", {Format::kIsoBmff, N, N, N}},
    Expect{"raf", {Format::kFujiRaf, N, N, N}},
    Expect{"crw", {Format::kCanonCrw, N, N, N}},
    Expect{"x3f", {Format::kX3f, N, N, N}},
    Expect{"mrw", {Format::kMrw, N, N, N}},
    Expect{"orf", {Format::kOrf, Format::kTiffLE, Format::kTiffBE, N}},
    Expect{"rw2", {Format::kRw2, Format::kTiffLE, N, N}},
    // TIFF-based raws.
    Expect{"dng", {Format::kTiffLE, Format::kTiffBE, N, N}},
    Expect{"cr2", {Format::kTiffLE, Format::kTiffBE, N, N}},
    Expect{"nef", {Format::kTiffLE, Format::kTiffBE, N, N}},
    Expect{"nrw", {Format::kTiffLE, Format::kTiffBE, N, N}},
    Expect{"arw", {Format::kTiffLE, Format::kTiffBE, N, N}},
    Expect{"pef", {Format::kTiffLE, Format::kTiffBE, N, N}},
    Expect{"srw", {Format::kTiffLE, Format::kTiffBE, N, N}},
    Expect{"mp4", {Format::kIsoBmff, N, N, N}},
    Expect{"mov", {Format::kIsoBmff, N, N, N}},
    Expect{"m4v", {Format::kIsoBmff, N, N, N}},
    Expect{"3gp", {Format::kIsoBmff, N, N, N}},
    Expect{"avi", {Format::kRiffAvi, N, N, N}},
    Expect{"mkv", {Format::kMatroska, N, N, N}},
    Expect{"mts", {Format::kMpegTs, N, N, N}},
    Expect{"m2ts", {Format::kMpegTs, N, N, N}},
    Expect{"xmp", {Format::kXml, N, N, N}},
    Expect{"aae", {Format::kXml, N, N, N}},
};

// The kind a recognised signature implies on its own, when a file carries
// another extension's name.
std::optional<MediaKind> KindOfFormat(Format f) {
  switch (f) {
    case Format::kJpeg:
    case Format::kPng:
    case Format::kGif:
    case Format::kWebp:
    case Format::kJxl:
    case Format::kTiffLE:
    case Format::kTiffBE: return MediaKind::kPhoto;
    case Format::kFujiRaf:
    case Format::kCanonCrw:
    case Format::kX3f:
    case Format::kMrw:
    case Format::kOrf:
    case Format::kRw2: return MediaKind::kRaw;
    case Format::kRiffAvi:
    case Format::kMatroska: return MediaKind::kVideo;
    default: return std::nullopt;  // ambiguous (ISO BMFF, TS, BMP, XML)
  }
}

}  // namespace

const char* MediaKindName(MediaKind kind) {
  switch (kind) {
    case MediaKind::kPhoto: return "photo";
    case MediaKind::kRaw: return "raw";
    case MediaKind::kVideo: return "video";
    case MediaKind::kSidecar: return "sidecar";
    case MediaKind::kOther: return "other";
  }
  return "other";
}

std::optional<MediaKind> ParseMediaKind(std::string_view name) {
  for (MediaKind k : {MediaKind::kPhoto, MediaKind::kRaw, MediaKind::kVideo,
                      MediaKind::kSidecar, MediaKind::kOther}) {
    if (name == MediaKindName(k)) return k;
  }
  return std::nullopt;
}

MediaKind KindFromName(std::string_view file_name) {
  const std::string ext = util::LowerExtension(file_name);
  if (ext.empty()) return MediaKind::kOther;
  for (const ExtKind& e : kExtensions) {
    if (e.ext == ext) return e.kind;
  }
  return MediaKind::kOther;
}

SniffResult SniffKind(std::string_view file_name, std::string_view head) {
  const MediaKind by_name = KindFromName(file_name);
  const std::string ext = util::LowerExtension(file_name);
  const Expect* expect = nullptr;
  for (const Expect& e : kExpectations) {
    if (e.ext == ext) expect = &e;
  }
  if (expect == nullptr) return {SniffVerdict::kUnknown, by_name, {}};
  const Format got = Detect(head);
  for (Format f : expect->formats) {
    if (f != Format::kNone && f == got) {
      return {SniffVerdict::kConfirmed, by_name, {}};
    }
  }
  std::string detail = "content is ";
  detail += FormatName(got);
  detail += ", not what the extension ." + ext + " says";
  if (head.empty()) detail = "file is empty";
  if (auto other = KindOfFormat(got)) {
    // A JPEG named .png is still a photo; a raw's TIFF-based content named
    // .jpg stays a photo too. Record the content's kind.
    return {SniffVerdict::kOtherMedia, *other, std::move(detail)};
  }
  return {SniffVerdict::kMismatch, by_name, std::move(detail)};
}

}  // namespace phodex
