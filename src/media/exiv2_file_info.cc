#include "media/exiv2_file_info.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "util/text.h"

namespace phodex::media::exiv2 {
namespace {

struct PixelSize {
  int64_t width = 0;
  int64_t height = 0;
};

constexpr size_t kMaxMetaBoxBytes = 4 << 20;  // HEIF `meta`: item tables
constexpr size_t kMaxRafDirBytes = 64 << 10;  // RAF header directory
constexpr int kMaxTopLevelBoxes = 64;

uint32_t Be16(const uint8_t* p) { return (uint32_t{p[0]} << 8) | p[1]; }
uint32_t Be32(const uint8_t* p) { return (Be16(p) << 16) | Be16(p + 2); }
uint64_t Be64(const uint8_t* p) {
  return (uint64_t{Be32(p)} << 32) | Be32(p + 4);
}

// Reads byte ranges of the image's file. Reopens the BasicIo (which
// readMetadata closed) on first use only, and closes it again.
class HeaderReader {
 public:
  explicit HeaderReader(Exiv2::BasicIo& io) : io_(io) {}
  ~HeaderReader() {
    if (state_ == State::kOpen) io_.close();
  }
  HeaderReader(const HeaderReader&) = delete;
  HeaderReader& operator=(const HeaderReader&) = delete;

  uint64_t size() {
    if (state_ == State::kUnopened) {
      state_ = io_.open() == 0 ? State::kOpen : State::kFailed;
      if (state_ == State::kOpen) size_ = io_.size();
    }
    return size_;
  }

  std::optional<std::vector<uint8_t>> Read(uint64_t offset, size_t n) {
    if (offset > size() || n > size() - offset) return std::nullopt;
    if (io_.seek(static_cast<long>(offset), Exiv2::BasicIo::beg) != 0)
      return std::nullopt;
    std::vector<uint8_t> buf(n);
    if (io_.read(buf.data(), static_cast<long>(n)) != static_cast<long>(n))
      return std::nullopt;
    return buf;
  }

 private:
  enum class State { kUnopened, kOpen, kFailed };
  Exiv2::BasicIo& io_;
  State state_ = State::kUnopened;
  uint64_t size_ = 0;
};

// ---- BMFF (HEIF, AVIF, CR3) ----

using Bytes = std::span<const uint8_t>;
using BoxVisitor = std::function<void(std::string_view type, Bytes body)>;

// Calls `visit` for each box in `data` (ISO 14496-12 4.2: 32-bit size,
// 64-bit when size is 1, "to the end" when 0).
void ForEachBox(Bytes data, const BoxVisitor& visit) {
  size_t pos = 0;
  while (data.size() - pos >= 8) {
    uint64_t size = Be32(&data[pos]);
    size_t header = 8;
    if (size == 1) {
      if (data.size() - pos < 16) return;
      size = Be64(&data[pos + 8]);
      header = 16;
    } else if (size == 0) {
      size = data.size() - pos;
    }
    if (size < header || size > data.size() - pos) return;
    std::string_view type(reinterpret_cast<const char*>(&data[pos + 4]), 4);
    visit(type, data.subspan(pos + header, size - header));
    pos += size;
  }
}

std::optional<uint32_t> PrimaryItem(Bytes pitm) {  // full box
  if (pitm.size() >= 6 && pitm[0] == 0) return Be16(&pitm[4]);
  if (pitm.size() >= 8) return Be32(&pitm[4]);
  return std::nullopt;
}

std::optional<PixelSize> SpatialExtent(Bytes ispe) {  // full box
  if (ispe.size() < 12) return std::nullopt;
  return PixelSize{Be32(&ispe[4]), Be32(&ispe[8])};
}

// ipma: for each item, the 1-based indexes of its properties in ipco.
void AddAssociations(Bytes ipma,
                     std::vector<std::pair<uint32_t, uint32_t>>& out) {
  if (ipma.size() < 8) return;
  const uint8_t version = ipma[0];
  const bool wide_index = (ipma[3] & 1) != 0;
  const size_t id_bytes = version < 1 ? 2 : 4;
  const size_t index_bytes = wide_index ? 2 : 1;
  uint32_t entries = Be32(&ipma[4]);
  size_t pos = 8;
  for (uint32_t e = 0; e < entries; ++e) {
    if (ipma.size() - pos < id_bytes + 1) return;
    uint32_t item = id_bytes == 2 ? Be16(&ipma[pos]) : Be32(&ipma[pos]);
    uint8_t count = ipma[pos + id_bytes];
    pos += id_bytes + 1;
    if (ipma.size() - pos < size_t{count} * index_bytes) return;
    for (uint8_t a = 0; a < count; ++a, pos += index_bytes) {
      uint32_t index =
          wide_index ? Be16(&ipma[pos]) & 0x7FFF : ipma[pos] & 0x7F;
      out.emplace_back(item, index);
    }
  }
}

// The `ispe` of the primary item (what exiftool reports); the largest
// `ispe` when the associations are missing.
std::optional<PixelSize> PrimarySize(Bytes meta) {
  if (meta.size() < 4) return std::nullopt;
  std::optional<uint32_t> primary;
  std::vector<std::optional<PixelSize>> properties;
  std::vector<std::pair<uint32_t, uint32_t>> associations;
  ForEachBox(meta.subspan(4), [&](std::string_view type, Bytes body) {
    if (type == "pitm") primary = PrimaryItem(body);
    if (type != "iprp") return;
    ForEachBox(body, [&](std::string_view inner, Bytes inner_body) {
      if (inner == "ipma") AddAssociations(inner_body, associations);
      if (inner != "ipco") return;
      ForEachBox(inner_body, [&](std::string_view property, Bytes value) {
        properties.push_back(property == "ispe" ? SpatialExtent(value)
                                                : std::nullopt);
      });
    });
  });
  for (const auto& [item, index] : associations) {
    if (primary && item == *primary && index >= 1 &&
        index <= properties.size() && properties[index - 1])
      return properties[index - 1];
  }
  std::optional<PixelSize> largest;
  for (const auto& size : properties) {
    if (size && (!largest ||
                 size->width * size->height > largest->width * largest->height))
      largest = size;
  }
  return largest;
}

struct BmffInfo {
  std::string brand;  // ftyp major brand: "heic", "mif1", "crx ", ...
  std::optional<PixelSize> size;
};

BmffInfo ReadBmff(HeaderReader& reader) {
  BmffInfo info;
  uint64_t pos = 0;
  for (int n = 0; n < kMaxTopLevelBoxes && reader.size() - pos >= 8; ++n) {
    auto header = reader.Read(pos, 8);
    if (!header) break;
    uint64_t size = Be32(header->data());
    uint64_t header_bytes = 8;
    if (size == 1) {
      auto large = reader.Read(pos + 8, 8);
      if (!large) break;
      size = Be64(large->data());
      header_bytes = 16;
    } else if (size == 0) {
      size = reader.size() - pos;
    }
    if (size < header_bytes || size > reader.size() - pos) break;
    std::string_view type(reinterpret_cast<const char*>(header->data() + 4), 4);
    if (type == "ftyp") {
      if (auto brand = reader.Read(pos + header_bytes, 4))
        info.brand.assign(brand->begin(), brand->end());
    } else if (type == "meta") {
      if (size - header_bytes <= kMaxMetaBoxBytes) {
        if (auto meta = reader.Read(pos + header_bytes, size - header_bytes))
          info.size = PrimarySize(*meta);
      }
      break;
    }
    pos += size;
  }
  return info;
}

// exiftool's names for the HEIF brands (QuickTime.pm %ftypLookup).
std::optional<std::string> BrandMime(std::string_view brand) {
  if (brand == "heic") return "image/heic";
  if (brand == "hevc") return "image/heic-sequence";
  if (brand == "mif1" || brand == "heix") return "image/heif";
  if (brand == "msf1") return "image/heif-sequence";
  if (brand == "avif") return "image/avif";
  if (brand == "crx ") return "image/x-canon-cr3";
  return std::nullopt;
}

// ---- RAF, RW2, IIQ ----

// The RAF header points (offset 92) at a directory of 16-bit tags;
// 0x111 is RawImageCroppedSize, height then width.
std::optional<PixelSize> RafCroppedSize(HeaderReader& reader) {
  auto head = reader.Read(0, 100);
  if (!head || std::memcmp(head->data(), "FUJIFILM", 8) != 0)
    return std::nullopt;
  uint32_t offset = Be32(&(*head)[92]);
  size_t length = std::min<size_t>(Be32(&(*head)[96]), kMaxRafDirBytes);
  auto dir = reader.Read(offset, length);
  if (!dir || dir->size() < 4 || Be32(dir->data()) > 255) return std::nullopt;
  uint32_t entries = Be32(dir->data());
  size_t pos = 4;
  for (uint32_t e = 0; e < entries && dir->size() - pos >= 4; ++e) {
    uint32_t tag = Be16(&(*dir)[pos]);
    uint32_t bytes = Be16(&(*dir)[pos + 2]);
    pos += 4;
    if (bytes > dir->size() - pos) break;
    if (tag == 0x111 && bytes >= 4)
      return PixelSize{Be16(&(*dir)[pos + 2]), Be16(&(*dir)[pos])};
    pos += bytes;
  }
  return std::nullopt;
}

// Exiv2 names the RW2 bottom and right sensor borders ImageHeight and
// ImageWidth; exiftool's image size is right - left by bottom - top.
std::optional<PixelSize> Rw2Size(const TagIndex& tags) {
  auto right = FirstNumber(tags, {"Exif.PanasonicRaw.ImageWidth"});
  auto left = FirstNumber(tags, {"Exif.PanasonicRaw.SensorLeftBorder"});
  auto bottom = FirstNumber(tags, {"Exif.PanasonicRaw.ImageHeight"});
  auto top = FirstNumber(tags, {"Exif.PanasonicRaw.SensorTopBorder"});
  if (!right || !left || !bottom || !top || *right <= *left || *bottom <= *top)
    return std::nullopt;
  return PixelSize{static_cast<int64_t>(*right - *left),
                   static_cast<int64_t>(*bottom - *top)};
}

std::optional<PixelSize> ExifImageSize(const TagIndex& tags) {
  auto width = FirstNumber(tags, {"Exif.Photo.PixelXDimension"});
  auto height = FirstNumber(tags, {"Exif.Photo.PixelYDimension"});
  if (!width || !height || *width <= 0 || *height <= 0) return std::nullopt;
  return PixelSize{static_cast<int64_t>(*width), static_cast<int64_t>(*height)};
}

// ---- MIME ----

// TIFF-based RAW formats Exiv2 calls "image/tiff"; exiftool knows them by
// extension (ExifTool.pm %mimeType).
std::optional<std::string> TiffRawMime(std::string_view extension) {
  static constexpr std::pair<std::string_view, std::string_view> kByExt[] = {
      {"3fr", "image/x-hasselblad-3fr"},
      {"arw", "image/x-sony-arw"},
      {"cr2", "image/x-canon-cr2"},
      {"dcr", "image/x-kodak-dcr"},
      {"dng", "image/x-adobe-dng"},
      {"erf", "image/x-epson-erf"},
      {"fff", "image/x-hasselblad-fff"},
      {"iiq", "image/x-raw"},
      {"kdc", "image/x-kodak-kdc"},
      {"mef", "image/x-mamiya-mef"},
      {"mos", "image/x-raw"},
      {"nef", "image/x-nikon-nef"},
      {"nrw", "image/x-nikon-nrw"},
      {"orf", "image/x-olympus-orf"},
      {"pef", "image/x-pentax-pef"},
      {"rwl", "image/x-leica-rwl"},
      {"sr2", "image/x-sony-sr2"},
      {"srf", "image/x-sony-srf"},
      {"srw", "image/x-samsung-srw"}};
  for (const auto& [ext, mime] : kByExt) {
    if (ext == extension) return std::string(mime);
  }
  return std::nullopt;
}

std::string ExiftoolMime(const std::string& exiv2_mime, const std::string& path,
                         const TagIndex& tags, std::string_view brand) {
  if (exiv2_mime == "image/tiff") {
    if (tags.Find("Exif.Image.DNGVersion")) return "image/x-adobe-dng";
    return TiffRawMime(util::LowerExtension(path)).value_or(exiv2_mime);
  }
  if (!brand.empty()) {
    if (auto mime = BrandMime(brand)) return *mime;
  }
  static constexpr std::pair<std::string_view, std::string_view> kRenamed[] = {
      {"image/x-fuji-raf", "image/x-fujifilm-raf"},
      {"image/x-ms-bmp", "image/bmp"},
      {"image/x-photoshop", "application/vnd.adobe.photoshop"}};
  for (const auto& [exiv2, exiftool] : kRenamed) {
    if (exiv2 == exiv2_mime) return std::string(exiftool);
  }
  return exiv2_mime;
}

bool IsBmff(const std::string& exiv2_mime) {
  return exiv2_mime == "image/heic" || exiv2_mime == "image/heif" ||
         exiv2_mime == "image/avif" || exiv2_mime == "image/x-canon-cr3" ||
         exiv2_mime == "image/generic";
}

}  // namespace

FileInfo ReadFileInfo(Exiv2::Image& image, const std::string& path,
                      const TagIndex& tags) {
  const std::string exiv2_mime = image.mimeType();
  HeaderReader reader(image.io());
  BmffInfo bmff;
  if (IsBmff(exiv2_mime)) bmff = ReadBmff(reader);

  FileInfo info;
  info.mime = ExiftoolMime(exiv2_mime, path, tags, bmff.brand);
  std::optional<PixelSize> size;
  if (bmff.size) {
    size = bmff.size;
  } else if (info.mime == "image/x-fujifilm-raf") {
    size = RafCroppedSize(reader);
  } else if (info.mime == "image/x-panasonic-rw2") {
    size = Rw2Size(tags);
  } else if (info.mime == "image/x-raw") {  // IIQ, MOS: TIFF-based, 1x1 IFD0
    size = ExifImageSize(tags);
  }
  if (!size && image.pixelWidth() > 0 && image.pixelHeight() > 0)
    size = PixelSize{image.pixelWidth(), image.pixelHeight()};
  if (size && size->width > 0 && size->height > 0) {
    info.width = size->width;
    info.height = size->height;
  }
  return info;
}

}  // namespace phodex::media::exiv2
