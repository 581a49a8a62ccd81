#include "media/rating_writer.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include <exiv2/exiv2.hpp>

#include "media/extractor_libs.h"
#include "util/text.h"

namespace phodex::media {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

constexpr int64_t kMaxSidecarBytes = int64_t{32} << 20;
constexpr size_t kMaxTiffXmpBytes = size_t{16} << 20;
constexpr size_t kCopyBlockBytes = size_t{1} << 20;
// Room left in a new embedded packet so that later edits fit in place
// (Adobe's default).
constexpr size_t kXmpPaddingBytes = 2048;
constexpr std::string_view kXmpBegin =
    "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n";
constexpr std::string_view kXmpEnd = "<?xpacket end=\"w\"?>";
constexpr std::string_view kRdfNamespace =
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr std::string_view kExifSignature = "Exif\0\0"sv;
constexpr std::string_view kXmpSignature = "http://ns.adobe.com/xap/1.0/\0"sv;
constexpr std::string_view kMpfSignature = "MPF\0"sv;
constexpr uint16_t kRatingTag = 0x4746;
constexpr uint16_t kRatingPercentTag = 0x4749;
constexpr uint16_t kXmpTag = 700;
constexpr uint16_t kTypeByte = 1;
constexpr uint16_t kTypeShort = 3;
constexpr uint16_t kTypeUndefined = 7;
constexpr size_t kMaxSegmentPayload = 65533;  // 0xFFFF minus the length

constexpr char kXmpRatingKey[] = "Xmp.xmp.Rating";
constexpr char kXmpLabelKey[] = "Xmp.xmp.Label";
constexpr char kXmpPickKey[] = "Xmp.digiKam.PickLabel";

// Keys whose values this writer changes; left out when comparing files.
bool IsRatingKey(std::string_view key) {
  return key == "Exif.Image.Rating" || key == "Exif.Image.RatingPercent" ||
         key == "Exif.Image.XMLPacket" || key == kXmpRatingKey ||
         key == "Xmp.MicrosoftPhoto.Rating" || key == kXmpLabelKey ||
         key == kXmpPickKey;
}

// The value a change leaves in an XMP property ("" for none).
std::string PickValue(Pick pick) {
  return pick == Pick::kNone ? "" : std::to_string(static_cast<int>(pick));
}

std::mutex& Exiv2Mutex() {
  static std::mutex mu;
  return mu;
}

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    internal::InitExiv2();
    Exiv2::XmpParser::initialize();
  });
}

// Runs `f` with Exiv2 serialised; what Exiv2 throws becomes an error.
template <typename F>
auto WithExiv2(const char* op, const std::string& path, F&& f)
    -> decltype(f()) {
  std::lock_guard lock(Exiv2Mutex());
  try {
    return f();
  } catch (const Exiv2::AnyError& e) {
    return MakeError(ErrorCode::kContentFault, e.what(), op, path);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, e.what(), op, path);
  }
}

Status CheckChange(const RatingChange& change, const std::string& path) {
  if (change.rating &&
      (*change.rating < kRejected || *change.rating > kMaxRating)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "rating must be -1 (rejected) to 5", "write rating", path);
  }
  if (change.label && !change.label->empty() && !IsColorLabel(*change.label)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "label must be Red, Yellow, Green, Blue or Purple",
                     "write rating", path);
  }
  if (!change.rating && !change.label && !change.pick) {
    return MakeError(ErrorCode::kInvalidArgument, "nothing to write",
                     "write rating", path);
  }
  return {};
}

template <typename File>
Result<std::string> ReadExact(File& f, uint64_t offset, size_t n,
                              const std::string& path) {
  std::string out(n, '\0');
  PHODEX_ASSIGN_OR_RETURN(const size_t got, f.ReadAt(offset, out.data(), n));
  if (got != n) {
    return MakeError(ErrorCode::kContentFault, "truncated file", "read", path);
  }
  return out;
}

// ---- XMP -----------------------------------------------------------------

// Sets the simple property `key` to `value`, or removes it for "".
// Replaced, not assigned: an odd existing type (an array) would keep it.
void SetXmpText(Exiv2::XmpData& xmp, const char* key, const std::string& value) {
  auto old = xmp.findKey(Exiv2::XmpKey(key));
  if (old != xmp.end()) xmp.erase(old);
  if (!value.empty()) xmp[key] = value;
}

void ApplyXmpChange(Exiv2::XmpData& xmp, const RatingChange& change) {
  if (change.rating) {
    const int rating = *change.rating;
    for (auto it = xmp.begin(); it != xmp.end(); ++it) {
      if (it->key() == "Xmp.MicrosoftPhoto.Rating") {
        it->setValue(std::to_string(RatingPercent(rating)));
      }
    }
    SetXmpText(xmp, kXmpRatingKey, std::to_string(rating));
  }
  if (change.label) SetXmpText(xmp, kXmpLabelKey, *change.label);
  if (change.pick) SetXmpText(xmp, kXmpPickKey, PickValue(*change.pick));
}

// The text of `key` in `xmp` ("" when absent).
std::string XmpText(const Exiv2::XmpData& xmp, const char* key) {
  auto it = xmp.findKey(Exiv2::XmpKey(key));
  return it == xmp.end() ? "" : it->toString();
}

// Whether `xmp` holds what `change` writes.
bool XmpHasChange(const Exiv2::XmpData& xmp, const RatingChange& change) {
  return (!change.rating ||
          XmpText(xmp, kXmpRatingKey) == std::to_string(*change.rating)) &&
         (!change.label || XmpText(xmp, kXmpLabelKey) == *change.label) &&
         (!change.pick || XmpText(xmp, kXmpPickKey) == PickValue(*change.pick));
}

// Parses `packet` (blank: no XMP yet). REQUIRES: Exiv2Mutex held.
Status DecodeXmp(std::string_view packet, Exiv2::XmpData& xmp,
                 const std::string& path) {
  xmp.clear();
  if (packet.find_first_not_of(" \t\r\n\0"sv) == std::string_view::npos) {
    return {};
  }
  if (Exiv2::XmpParser::decode(xmp, std::string(packet)) != 0) {
    return MakeError(ErrorCode::kContentFault,
                     "XMP that Exiv2 cannot parse; left unchanged", "read XMP",
                     path);
  }
  // Valid XML that is not XMP decodes to nothing; writing would lose it.
  if (xmp.empty() && packet.find(kRdfNamespace) == std::string_view::npos) {
    return MakeError(ErrorCode::kContentFault, "not XMP; left unchanged", "read XMP",
                     path);
  }
  return {};
}

// "key=value" lines, sorted, rating keys left out: what must not change.
template <typename Data>
std::vector<std::string> Lines(const Data& data) {
  std::vector<std::string> out;
  for (const auto& d : data) {
    if (IsRatingKey(d.key())) continue;
    out.push_back(d.key() + '=' + std::to_string(static_cast<int>(d.typeId())) +
                  ':' + std::to_string(d.count()) + ':' + d.toString());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Padding(size_t n) {
  std::string p(n, ' ');
  for (size_t i = 99; i < n; i += 100) p[i] = '\n';
  return p;
}

// `old_packet` with the rating set, in an xpacket wrapper: exactly `room`
// bytes when given and it fits, else with `padding` bytes to spare. The
// new packet must decode to the same properties, or nothing is written.
Result<std::string> RatedPacket(std::string_view old_packet,
                                const RatingChange& change,
                                std::optional<size_t> room, size_t padding,
                                const std::string& path) {
  return WithExiv2("write XMP", path, [&]() -> Result<std::string> {
    Exiv2::XmpData xmp;
    PHODEX_TRY(DecodeXmp(old_packet, xmp, path));
    ApplyXmpChange(xmp, change);
    std::string body;
    if (Exiv2::XmpParser::encode(body, xmp,
                                 Exiv2::XmpParser::useCompactFormat |
                                     Exiv2::XmpParser::omitPacketWrapper) !=
        0) {
      return MakeError(ErrorCode::kInternal, "Exiv2 cannot encode the XMP",
                       "write XMP", path);
    }
    while (!body.empty() &&
           std::isspace(static_cast<unsigned char>(body.back()))) {
      body.pop_back();
    }
    Exiv2::XmpData check;
    if (Exiv2::XmpParser::decode(check, body) != 0 ||
        Lines(check) != Lines(xmp) || !XmpHasChange(check, change)) {
      return MakeError(ErrorCode::kInternal,
                       "the encoded XMP does not read back the same",
                       "write XMP", path);
    }
    const size_t fixed = kXmpBegin.size() + body.size() + 1 + kXmpEnd.size();
    if (room && *room >= fixed) padding = *room - fixed;
    return std::string(kXmpBegin) + body + '\n' + Padding(padding) +
           std::string(kXmpEnd);
  });
}

// ---- TIFF structures (TIFF and DNG files, the Exif block of a JPEG) -------

struct ByteOrder {
  bool little = true;
  uint16_t U16(std::string_view b, size_t at) const {
    const auto* p = reinterpret_cast<const unsigned char*>(b.data() + at);
    return little ? p[0] | p[1] << 8 : p[0] << 8 | p[1];
  }
  uint32_t U32(std::string_view b, size_t at) const {
    const uint32_t lo = U16(b, at + (little ? 0 : 2));
    const uint32_t hi = U16(b, at + (little ? 2 : 0));
    return hi << 16 | lo;
  }
  std::string Bytes16(uint16_t v) const {
    const char lo = static_cast<char>(v & 0xFF), hi = static_cast<char>(v >> 8);
    return little ? std::string{lo, hi} : std::string{hi, lo};
  }
  std::string Bytes32(uint32_t v) const {
    const std::string lo = Bytes16(v & 0xFFFF), hi = Bytes16(v >> 16);
    return little ? lo + hi : hi + lo;
  }
  // A 12-byte IFD entry; `value` is the offset, or inline data (<= 4 bytes).
  std::string Entry(uint16_t tag, uint16_t type, uint32_t count,
                    std::string value) const {
    value.resize(4, '\0');
    return Bytes16(tag) + Bytes16(type) + Bytes32(count) + value;
  }
  std::string ShortEntry(uint16_t tag, uint16_t v) const {
    return Entry(tag, kTypeShort, 1, Bytes16(v));
  }
};

struct Patch {
  uint64_t offset;
  std::string bytes;
};

using ReadFn = std::function<Result<std::string>(uint64_t offset, size_t n)>;

// Changes IFD0 of a TIFF structure without moving anything in it: existing
// entries and values are overwritten in place; new values are appended at
// the end; a new entry makes a new copy of IFD0 at the end, pointed to by
// the header, so every offset elsewhere (maker notes, sub-IFDs, strips,
// thumbnail) stays valid. Finish() returns the bytes to write.
class Ifd0Editor {
 public:
  static Result<Ifd0Editor> Open(const ReadFn& read, uint64_t size,
                                 const std::string& path) {
    auto corrupt = [&](const char* why) {
      return MakeError(ErrorCode::kContentFault, why, "read TIFF structure", path);
    };
    if (size < 8) return corrupt("too short for a TIFF header");
    PHODEX_ASSIGN_OR_RETURN(const std::string header, read(0, 8));
    Ifd0Editor e;
    e.end_ = size;
    if (header.starts_with("II")) {
      e.order_.little = true;
    } else if (header.starts_with("MM")) {
      e.order_.little = false;
    } else {
      return corrupt("no TIFF byte order mark");
    }
    const uint16_t magic = e.order_.U16(header, 2);
    if (magic == 43) {
      return MakeError(ErrorCode::kUnsupported, "BigTIFF is not supported",
                       "write rating", path);
    }
    if (magic != 42) return corrupt("not a TIFF header");
    e.ifd_offset_ = e.order_.U32(header, 4);
    if (e.ifd_offset_ < 8 || e.ifd_offset_ + 2ULL > size) {
      return corrupt("IFD0 offset out of range");
    }
    PHODEX_ASSIGN_OR_RETURN(const std::string count, read(e.ifd_offset_, 2));
    const uint16_t n = e.order_.U16(count, 0);
    if (n > 1000 || e.ifd_offset_ + 2ULL + 12ULL * n + 4 > size) {
      return corrupt("IFD0 out of range");
    }
    PHODEX_ASSIGN_OR_RETURN(const std::string body,
                            read(e.ifd_offset_ + 2, 12 * n + 4));
    for (size_t i = 0; i < n; ++i) {
      e.entries_.push_back(body.substr(i * 12, 12));
    }
    e.next_ = body.substr(12 * n);
    return e;
  }

  const ByteOrder& order() const { return order_; }

  struct Found {
    uint16_t type;
    uint32_t count;
    std::string value;  // the 4 value bytes: inline data or an offset
  };
  std::optional<Found> Find(uint16_t tag) const {
    for (const std::string& e : entries_) {
      if (order_.U16(e, 0) == tag) {
        return Found{order_.U16(e, 2), order_.U32(e, 4), e.substr(8, 4)};
      }
    }
    return std::nullopt;
  }

  void SetShort(uint16_t tag, uint16_t value) {
    Put(order_.ShortEntry(tag, value));
  }

  // Out-of-line data (more than 4 bytes) of BYTE or UNDEFINED type: in
  // place when the old value has exactly its size, else appended.
  void SetData(uint16_t tag, uint16_t type, const std::string& data) {
    const auto old = Find(tag);
    if (old && old->count == data.size() && data.size() > 4) {
      patches_.push_back({order_.U32(old->value, 0), data});
      return;
    }
    const uint64_t at = Append(data);
    Put(order_.Entry(tag, type, static_cast<uint32_t>(data.size()),
                     order_.Bytes32(static_cast<uint32_t>(at))));
  }

  Result<std::vector<Patch>> Finish(const std::string& path) {
    if (rebuild_) {
      std::string ifd = order_.Bytes16(static_cast<uint16_t>(entries_.size()));
      for (const std::string& e : entries_) ifd += e;
      ifd += next_;
      const uint64_t at = Append(ifd);
      patches_.push_back({4, order_.Bytes32(static_cast<uint32_t>(at))});
    }
    if (end_ > UINT32_MAX) {
      return MakeError(ErrorCode::kUnsupported,
                       "no room for a new IFD0 below 4 GiB", "write rating",
                       path);
    }
    return std::move(patches_);
  }

 private:
  void Put(std::string entry) {
    const uint16_t tag = order_.U16(entry, 0);
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (order_.U16(entries_[i], 0) == tag) {
        entries_[i] = entry;
        patches_.push_back({ifd_offset_ + 2 + 12 * i, std::move(entry)});
        return;
      }
    }
    auto pos = std::find_if(
        entries_.begin(), entries_.end(),
        [&](const std::string& e) { return order_.U16(e, 0) > tag; });
    entries_.insert(pos, std::move(entry));
    rebuild_ = true;
  }

  // Appends at the next even offset (TIFF values are word-aligned).
  uint64_t Append(const std::string& bytes) {
    if (end_ % 2 != 0) patches_.push_back({end_++, std::string(1, '\0')});
    const uint64_t at = end_;
    patches_.push_back({at, bytes});
    end_ += bytes.size();
    return at;
  }

  ByteOrder order_;
  uint64_t end_ = 0;  // where appended bytes go
  uint32_t ifd_offset_ = 0;
  std::vector<std::string> entries_;  // raw 12-byte entries, in file order
  std::string next_;                  // the 4-byte link to IFD1
  bool rebuild_ = false;
  std::vector<Patch> patches_;
};

// EXIF holds only the rating: a change without one leaves IFD0 alone.
void SetExifRating(Ifd0Editor& ifd, const RatingChange& change) {
  if (!change.rating) return;
  const int rating = *change.rating;
  ifd.SetShort(kRatingTag, static_cast<uint16_t>(std::max(rating, 0)));
  ifd.SetShort(kRatingPercentTag, static_cast<uint16_t>(RatingPercent(rating)));
}

Status EditTiff(os::TempFile& temp, const std::string& path,
                const RatingChange& change) {
  PHODEX_ASSIGN_OR_RETURN(const int64_t size, temp.Size());
  const ReadFn read = [&](uint64_t offset, size_t n) {
    return ReadExact(temp, offset, n, path);
  };
  PHODEX_ASSIGN_OR_RETURN(Ifd0Editor ifd, Ifd0Editor::Open(read, size, path));
  SetExifRating(ifd, change);
  std::string old_packet;
  std::optional<size_t> room;
  uint16_t type = kTypeByte;
  if (auto xmp = ifd.Find(kXmpTag)) {
    if (xmp->type != kTypeByte && xmp->type != kTypeUndefined) {
      return MakeError(ErrorCode::kContentFault, "XMP tag of an unexpected type",
                       "read XMP", path);
    }
    if (xmp->count > kMaxTiffXmpBytes) {
      return MakeError(ErrorCode::kUnsupported, "XMP packet over 16 MiB",
                       "read XMP", path);
    }
    type = xmp->type;
    if (xmp->count <= 4) {
      old_packet = xmp->value.substr(0, xmp->count);
    } else {
      PHODEX_ASSIGN_OR_RETURN(old_packet,
                              read(ifd.order().U32(xmp->value, 0), xmp->count));
      room = xmp->count;
    }
  }
  PHODEX_ASSIGN_OR_RETURN(
      const std::string packet,
      RatedPacket(old_packet, change, room, kXmpPaddingBytes, path));
  ifd.SetData(kXmpTag, type, packet);
  PHODEX_ASSIGN_OR_RETURN(const std::vector<Patch> patches, ifd.Finish(path));
  for (const Patch& p : patches) PHODEX_TRY(temp.WriteAt(p.offset, p.bytes));
  return {};
}

// ---- JPEG ----------------------------------------------------------------

struct Segment {
  uint64_t offset;  // of the 0xFF
  uint64_t size;    // marker, length and payload
  uint8_t marker;
  std::string_view kind;  // "exif", "xmp", "mpf" or ""
};

// The marker segments before the image data (SOS), which is left as is.
Result<std::vector<Segment>> ParseJpegHead(os::TempFile& f, uint64_t size,
                                           const std::string& path) {
  auto corrupt = [&](const char* why) {
    return MakeError(ErrorCode::kContentFault, why, "read JPEG", path);
  };
  std::vector<Segment> segments;
  PHODEX_ASSIGN_OR_RETURN(std::string b, ReadExact(f, 0, 2, path));
  if (b != "\xFF\xD8") return corrupt("not a JPEG");
  uint64_t pos = 2;
  for (;;) {
    if (pos + 4 > size || segments.size() > 10000) {
      return corrupt("no image data");
    }
    PHODEX_ASSIGN_OR_RETURN(b, ReadExact(f, pos, 4, path));
    const auto marker = static_cast<uint8_t>(b[1]);
    if (static_cast<uint8_t>(b[0]) != 0xFF) return corrupt("bad marker");
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) break;  // SOS, EOI
    const uint64_t len = ByteOrder{false}.U16(b, 2);
    if (len < 2 || pos + 2 + len > size) return corrupt("bad segment length");
    Segment s{pos, 2 + len, marker, ""};
    if (marker == 0xE1 || marker == 0xE2) {
      PHODEX_ASSIGN_OR_RETURN(
          const std::string sig,
          ReadExact(f, pos + 4, std::min<uint64_t>(len - 2, 29), path));
      if (marker == 0xE1 && sig.starts_with(kExifSignature)) s.kind = "exif";
      if (marker == 0xE1 && sig.starts_with(kXmpSignature)) s.kind = "xmp";
      if (marker == 0xE2 && sig.starts_with(kMpfSignature)) s.kind = "mpf";
    }
    segments.push_back(s);
    pos += s.size;
  }
  return segments;
}

Result<std::string> MakeSegment(uint8_t marker, std::string_view payload,
                                const std::string& path) {
  if (payload.size() > kMaxSegmentPayload) {
    return MakeError(ErrorCode::kUnsupported,
                     "no room left in the 64 KiB JPEG segment (use a sidecar)",
                     "write rating", path);
  }
  return "\xFF"s + static_cast<char>(marker) +
         ByteOrder{false}.Bytes16(static_cast<uint16_t>(payload.size() + 2)) +
         std::string(payload);
}

// The new Exif segment: the old one with the rating set, or a new one.
// REQUIRES: change.rating, or an existing segment (`exif`).
Result<std::string> RatedExifSegment(os::TempFile& f, const Segment* exif,
                                     const std::string& path,
                                     const RatingChange& change) {
  std::string tiff;
  if (exif == nullptr) {
    const int rating = *change.rating;
    const ByteOrder le;
    tiff =
        "II*\0"s + le.Bytes32(8) + le.Bytes16(2) +
        le.ShortEntry(kRatingTag, static_cast<uint16_t>(std::max(rating, 0))) +
        le.ShortEntry(kRatingPercentTag,
                      static_cast<uint16_t>(RatingPercent(rating))) +
        le.Bytes32(0);
  } else {
    const uint64_t start = exif->offset + 4 + kExifSignature.size();
    PHODEX_ASSIGN_OR_RETURN(
        tiff,
        ReadExact(f, start, exif->size - 4 - kExifSignature.size(), path));
    const ReadFn read = [&](uint64_t offset, size_t n) -> Result<std::string> {
      if (offset + n > tiff.size()) {
        return MakeError(ErrorCode::kContentFault, "Exif offset out of range",
                         "read Exif", path);
      }
      return tiff.substr(offset, n);
    };
    PHODEX_ASSIGN_OR_RETURN(Ifd0Editor ifd,
                            Ifd0Editor::Open(read, tiff.size(), path));
    SetExifRating(ifd, change);
    PHODEX_ASSIGN_OR_RETURN(const std::vector<Patch> patches, ifd.Finish(path));
    for (const Patch& p : patches) {
      if (tiff.size() < p.offset + p.bytes.size()) {
        tiff.resize(p.offset + p.bytes.size());
      }
      tiff.replace(p.offset, p.bytes.size(), p.bytes);
    }
  }
  return MakeSegment(0xE1, std::string(kExifSignature) + tiff, path);
}

Result<std::string> RatedXmpSegment(os::TempFile& f, const Segment* xmp,
                                    const std::string& path,
                                    const RatingChange& change) {
  std::string old_packet;
  std::optional<size_t> room;
  if (xmp != nullptr) {
    const uint64_t start = xmp->offset + 4 + kXmpSignature.size();
    const size_t n = xmp->size - 4 - kXmpSignature.size();
    PHODEX_ASSIGN_OR_RETURN(old_packet, ReadExact(f, start, n, path));
    room = n;
  }
  PHODEX_ASSIGN_OR_RETURN(
      const std::string packet,
      RatedPacket(old_packet, change, room, kXmpPaddingBytes, path));
  return MakeSegment(0xE1, std::string(kXmpSignature) + packet, path);
}

// A piece of the new file: bytes, or a range of the original.
struct Piece {
  std::string bytes;
  uint64_t src = 0;
  uint64_t len = 0;
  bool copy = false;
};

// Writes the pieces over the temp (a copy of the original): ranges that
// kept their offset are already there; moved ranges stream from the
// original in 1 MiB blocks.
Status WritePieces(os::FileSystem& fs, const std::string& path,
                   const std::vector<Piece>& pieces, os::TempFile& temp,
                   uint64_t old_size) {
  std::unique_ptr<os::RandomAccessFile> original;
  uint64_t out = 0;
  for (const Piece& p : pieces) {
    if (!p.copy) {
      PHODEX_TRY(temp.WriteAt(out, p.bytes));
      out += p.bytes.size();
      continue;
    }
    if (out != p.src) {
      if (!original) {
        PHODEX_ASSIGN_OR_RETURN(
            original, fs.OpenForRead(path, os::AccessPattern::kSequential));
      }
      for (uint64_t done = 0; done < p.len;) {
        const size_t n = std::min<uint64_t>(p.len - done, kCopyBlockBytes);
        PHODEX_ASSIGN_OR_RETURN(const std::string block,
                                ReadExact(*original, p.src + done, n, path));
        PHODEX_TRY(temp.WriteAt(out + done, block));
        done += n;
      }
    }
    out += p.len;
  }
  if (out != old_size) PHODEX_TRY(temp.Truncate(out));
  return {};
}

// Rewrites only the Exif and XMP segments (a missing one is added after
// the APP0s: JFIF stays first). The MPF index of multi-picture JPEGs counts
// from its own segment, so nothing after it may change size.
Status EditJpeg(os::FileSystem& fs, os::TempFile& temp, const std::string& path,
                const RatingChange& change) {
  PHODEX_ASSIGN_OR_RETURN(const int64_t ssize, temp.Size());
  const auto size = static_cast<uint64_t>(ssize);
  PHODEX_ASSIGN_OR_RETURN(const std::vector<Segment> segments,
                          ParseJpegHead(temp, size, path));
  const Segment* exif = nullptr;
  const Segment* xmp = nullptr;
  const Segment* mpf = nullptr;
  for (const Segment& s : segments) {
    const Segment** slot = s.kind == "exif"  ? &exif
                           : s.kind == "xmp" ? &xmp
                           : s.kind == "mpf" ? &mpf
                                             : nullptr;
    if (slot == nullptr) continue;
    if (*slot != nullptr && s.kind != "mpf") {
      return MakeError(ErrorCode::kUnsupported,
                       "two " + std::string(s.kind) +
                           " segments; readers disagree on which counts",
                       "write rating", path);
    }
    if (*slot == nullptr) *slot = &s;
  }
  // A change without a rating adds no Exif segment (EXIF has no label).
  const bool add_exif = exif == nullptr && change.rating.has_value();
  std::string exif_seg;
  if (exif != nullptr || add_exif) {
    PHODEX_ASSIGN_OR_RETURN(exif_seg,
                            RatedExifSegment(temp, exif, path, change));
  }
  PHODEX_ASSIGN_OR_RETURN(const std::string xmp_seg,
                          RatedXmpSegment(temp, xmp, path, change));
  // Where new segments go: the Exif's place, else after the APP0s.
  const Segment* anchor = exif;
  if (anchor == nullptr) {
    for (const Segment& s : segments) {
      if (s.marker != 0xE0) {
        anchor = &s;
        break;
      }
    }
  }
  std::vector<Piece> pieces = {{"", 0, 2, true}};  // SOI
  uint64_t cursor = 2;
  bool inserted = false;
  auto insert_new = [&] {
    if (add_exif) pieces.push_back({exif_seg});
    if (xmp == nullptr) pieces.push_back({xmp_seg});
    inserted = true;
  };
  for (const Segment& s : segments) {
    if (&s == anchor && exif == nullptr) insert_new();
    if (cursor < s.offset) {
      pieces.push_back({"", cursor, s.offset - cursor, true});
    }
    if (&s == exif) {
      pieces.push_back({exif_seg});
      if (xmp == nullptr) insert_new();
    } else if (&s == xmp) {
      pieces.push_back({xmp_seg});
    } else {
      pieces.push_back({"", s.offset, s.size, true});
    }
    cursor = s.offset + s.size;
  }
  if (!inserted) insert_new();
  pieces.push_back({"", cursor, size - cursor, true});
  if (mpf != nullptr) {
    uint64_t out = 0, mpf_out = 0;
    for (const Piece& p : pieces) {
      if (p.copy && p.src == mpf->offset && p.len == mpf->size) mpf_out = out;
      out += p.copy ? p.len : p.bytes.size();
    }
    if (out - mpf_out != size - mpf->offset) {
      return MakeError(ErrorCode::kUnsupported,
                       "a segment after the multi-picture (MPF) index would "
                       "change size (use a sidecar)",
                       "write rating", path);
    }
  }
  return WritePieces(fs, path, pieces, temp, size);
}

// ---- Verification --------------------------------------------------------

// What Exiv2 reads from a file: the metadata that must not change, and
// the rating fields that must.
struct Snapshot {
  std::string mime;
  std::vector<std::string> exif, iptc, xmp;
  std::string exif_rating, exif_percent;
  Exiv2::XmpData xmp_fields;  // the properties a change writes
};

// `file` is read; errors name `path` (the original).
Result<Snapshot> ReadSnapshot(const std::string& file,
                              const std::string& path) {
  return WithExiv2("read metadata", path, [&]() -> Result<Snapshot> {
    auto image = Exiv2::ImageFactory::open(file);
    image->readMetadata();
    Snapshot s;
    s.mime = image->mimeType();
    s.exif = Lines(image->exifData());
    s.iptc = Lines(image->iptcData());
    s.xmp = Lines(image->xmpData());
    const auto& exif = image->exifData();
    if (auto it = exif.findKey(Exiv2::ExifKey("Exif.Image.Rating"));
        it != exif.end()) {
      s.exif_rating = it->toString();
    }
    if (auto it = exif.findKey(Exiv2::ExifKey("Exif.Image.RatingPercent"));
        it != exif.end()) {
      s.exif_percent = it->toString();
    }
    for (const auto& d : image->xmpData()) {
      if (d.key() == kXmpRatingKey || d.key() == kXmpLabelKey ||
          d.key() == kXmpPickKey) {
        s.xmp_fields.add(d);
      }
    }
    return s;
  });
}

bool HasChange(const Snapshot& s, const RatingChange& change) {
  if (change.rating) {
    const int rating = *change.rating;
    if (s.exif_rating != std::to_string(std::max(rating, 0)) ||
        s.exif_percent != std::to_string(RatingPercent(rating))) {
      return false;
    }
  }
  return XmpHasChange(s.xmp_fields, change);
}

Status Verify(const Snapshot& before, const std::string& temp_path,
              const std::string& path, const RatingChange& change) {
  PHODEX_ASSIGN_OR_RETURN(const Snapshot after, ReadSnapshot(temp_path, path));
  const char* what = after.mime != before.mime   ? "the format"
                     : !HasChange(after, change) ? "the rating"
                     : after.exif != before.exif ? "other Exif tags"
                     : after.iptc != before.iptc ? "IPTC"
                     : after.xmp != before.xmp   ? "other XMP properties"
                                                 : nullptr;
  if (what == nullptr) return {};
  return MakeError(
      ErrorCode::kInternal,
      std::string("the rewritten file reads back with different ") + what +
          "; left unchanged",
      "write rating", path);
}

enum class Container { kJpeg, kTiff };

Result<Container> ContainerOf(os::FileSystem& fs, const std::string& path) {
  const std::string ext = util::LowerExtension(os::BaseName(path));
  const bool jpeg_name =
      ext == "jpg" || ext == "jpeg" || ext == "jpe" || ext == "jfif";
  const bool tiff_name = ext == "tif" || ext == "tiff" || ext == "dng";
  if (!jpeg_name && !tiff_name) {
    return MakeError(ErrorCode::kUnsupported,
                     "ratings are embedded only in JPEG, TIFF and DNG files; "
                     "write a sidecar instead",
                     "write rating", path);
  }
  PHODEX_ASSIGN_OR_RETURN(auto file,
                          fs.OpenForRead(path, os::AccessPattern::kRandom));
  char head[4] = {};
  PHODEX_ASSIGN_OR_RETURN(const size_t n, file->ReadAt(0, head, 4));
  const std::string_view h(head, n);
  if (jpeg_name && h.starts_with("\xFF\xD8\xFF")) return Container::kJpeg;
  if (tiff_name && (h.starts_with("II") || h.starts_with("MM"))) {
    return Container::kTiff;
  }
  return MakeError(ErrorCode::kUnsupported,
                   "content does not match the ." + ext + " name",
                   "write rating", path);
}

// Whether a file phodex is about to write, `path`, exists; fails unless it
// is a regular file or missing. Taken without following links: a sidecar
// name linked to ~/.bashrc or ../outside/x.conf would have the write land
// there, outside the photo's folder, so a link is refused with its
// reason, never followed nor skipped. So is a FIFO, socket or device
// (whose open could block) and a folder.
Result<bool> WritableTargetExists(os::FileSystem& fs, const std::string& path) {
  auto st = fs.Stat(path, os::Follow::kNo);
  if (!st) {
    if (st.error().code() == ErrorCode::kNotFound) return false;
    return std::unexpected(st.error());
  }
  switch (st->type) {
    case FileType::kRegular:
      return true;
    case FileType::kSymlink:
      return MakeError(ErrorCode::kInvalidArgument,
                       "is a symbolic link; phodex does not write through "
                       "links",
                       "write rating", path);
    case FileType::kDirectory:
      return MakeError(ErrorCode::kInvalidArgument,
                       "is a folder, not a regular file", "write rating", path);
    case FileType::kOther:
      break;
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "not a regular file (a FIFO, socket or device); left alone",
                   "write rating", path);
}

}  // namespace

bool IsColorLabel(std::string_view label) {
  return label == "Red" || label == "Yellow" || label == "Green" ||
         label == "Blue" || label == "Purple";
}

int RatingPercent(int rating) {
  static constexpr int kPercent[] = {0, 1, 25, 50, 75, 99};
  return rating <= 0 || rating > kMaxRating ? 0 : kPercent[rating];
}

Result<std::string> SidecarPathFor(os::FileSystem& fs,
                                   const std::string& media_path,
                                   const SidecarOptions& options) {
  const std::string_view name = os::BaseName(media_path);
  const size_t dot = name.rfind('.');
  const std::string stem_path =
      media_path.substr(0, media_path.size() - name.size()) +
      std::string(name.substr(0, dot == 0 ? name.size() : dot));
  const std::string candidates[] = {media_path + ".xmp", media_path + ".XMP",
                                    stem_path + ".xmp", stem_path + ".XMP"};
  for (const std::string& c : candidates) {
    PHODEX_ASSIGN_OR_RETURN(const bool exists, WritableTargetExists(fs, c));
    if (exists) return c;
  }
  return options.naming == SidecarNaming::kFullName ? candidates[0]
                                                    : candidates[2];
}

Status WriteSidecarRating(os::FileSystem& fs, const std::string& sidecar_path,
                          int rating) {
  return WriteSidecarChange(fs, sidecar_path, RatingChange{.rating = rating});
}

Status WriteSidecarChange(os::FileSystem& fs, const std::string& sidecar_path,
                          const RatingChange& change) {
  PHODEX_TRY(CheckChange(change, sidecar_path));
  PHODEX_TRY(WritableTargetExists(fs, sidecar_path));
  InitOnce();
  std::string old;
  // A link or FIFO put in its place from here on cannot block this read
  // (OpenForRead) nor take the write (AtomicWrite refuses it).
  auto file = fs.OpenForRead(sidecar_path, os::AccessPattern::kSequential);
  if (file) {
    const int64_t size = (*file)->size();
    if (size > kMaxSidecarBytes) {
      return MakeError(ErrorCode::kUnsupported, "sidecar over 32 MiB",
                       "read XMP", sidecar_path);
    }
    PHODEX_ASSIGN_OR_RETURN(
        old, ReadExact(**file, 0, static_cast<size_t>(size), sidecar_path));
  } else if (file.error().code() != ErrorCode::kNotFound) {
    return std::unexpected(file.error());
  }
  PHODEX_ASSIGN_OR_RETURN(
      const std::string packet,
      RatedPacket(old, change, std::nullopt, 0, sidecar_path));
  return fs.AtomicWrite(sidecar_path, packet);
}

Status EmbedRating(os::FileSystem& fs, const std::string& path, int rating) {
  return EmbedChange(fs, path, RatingChange{.rating = rating});
}

Status EmbedChange(os::FileSystem& fs, const std::string& path,
                   const RatingChange& change) {
  PHODEX_TRY(CheckChange(change, path));
  PHODEX_ASSIGN_OR_RETURN(const bool exists, WritableTargetExists(fs, path));
  if (!exists) return ErrnoError(ENOENT, "write rating", path);
  InitOnce();
  PHODEX_ASSIGN_OR_RETURN(const Container container, ContainerOf(fs, path));
  // Exiv2 must read the original, or the result could not be checked.
  PHODEX_ASSIGN_OR_RETURN(const Snapshot before, ReadSnapshot(path, path));
  if (HasChange(before, change)) return {};
  return fs.ReplaceFile(path, [&](os::TempFile& temp) -> Status {
    PHODEX_TRY(container == Container::kJpeg ? EditJpeg(fs, temp, path, change)
                                             : EditTiff(temp, path, change));
    return Verify(before, temp.path(), path, change);
  });
}

}  // namespace phodex::media
