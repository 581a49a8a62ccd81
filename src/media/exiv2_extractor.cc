// The Exiv2 adapter: photos, RAW files and XMP sidecars. Opens the file
// with Exiv2 0.27, reads its Exif, IPTC and XMP (headers only, never
// pixels) and maps them onto MediaMetadata (media/exiv2_fields.h,
// media/exiv2_file_info.h). Every exception Exiv2 or the standard library
// throws stops here and becomes an Error.
//
// Thread safety: Exiv2 0.27 is safe with one Image per thread, except for
// XMP: readMetadata() decodes the XMP packet with Adobe's XMP toolkit,
// which registers the packet's namespaces in process-wide tables, and
// 0.27.6 takes the lock given to XmpParser::initialize only around its own
// namespace registration, not around decoding. Concurrent reads lost XMP
// (tests/media/image_metadata_test.cc, Exiv2Threads). So readMetadata()
// runs under one process-wide mutex (media/exiv2_lock.h); everything after
// it (the field mapping, header reads, JSON) runs in parallel. The scan gets
// its parallelism from the extractor pool's worker processes
// (media/extractor_pool.h), which this lock does not touch.
//
// HEIF-family files: Exiv2 0.27.6 misses the Exif and XMP items other
// tools write (media/heif_metadata.h), so the items libheif finds for the
// primary image are decoded here with Exiv2's own parsers and take the
// place of what readMetadata() found; the field mapping is the JPEG one.

#include <exiv2/exiv2.hpp>

#include <cerrno>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>

#include "media/exiv2_fields.h"
#include "media/exiv2_file_info.h"
#include "media/exiv2_lock.h"
#include "media/exiv2_values.h"
#include "media/extractor_libs.h"
#include "media/heif_metadata.h"
#include "util/text.h"

namespace phodex::media {
namespace {

constexpr const char* kOp = "read metadata";
constexpr const char* kSidecarMime = "application/rdf+xml";

void LockXmpToolkit(void* mutex, bool lock) {
  auto* m = static_cast<std::mutex*>(mutex);
  if (lock) {
    m->lock();
  } else {
    m->unlock();
  }
}

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    // BMFF (HEIC, HEIF, AVIF, CR3) is off by default in 0.27: without it
    // those files open as empty QuickTime videos.
    Exiv2::enableBMFF(true);
    // Warnings about damaged maker notes would go to stderr.
    Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
    // The hook guards Exiv2's namespace registration, which also runs
    // inside decoding, i.e. under Exiv2XmpMutex: so a mutex of its own.
    static std::mutex xmp_toolkit;
    Exiv2::XmpParser::initialize(&LockXmpToolkit, &xmp_toolkit);
  });
}

// Exiv2's reason may quote bytes of the file (or its name): escaped, so the
// message is valid UTF-8 like every Error.
std::unexpected<Error> NotReadable(std::string_view reason,
                                   const std::string& path) {
  return MakeError(ErrorCode::kContentFault,
                   "not a readable image: " + util::EscapeBytes(reason), kOp,
                   path);
}

// Opens `path` as a plain file (ImageFactory::open(path) would fetch a
// name that looks like a URL) and reads its first byte, so that a missing
// or unreadable file or a folder is reported from errno (not found,
// permission denied) rather than as Exiv2's text.
Result<std::unique_ptr<Exiv2::Image>> OpenImage(const std::string& path) {
  // Exiv2 0.27's API takes a std::auto_ptr, deprecated since C++11: Clang
  // warns where the type is named, GCC (in a system header) does not.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
#endif
  Exiv2::BasicIo::AutoPtr io(new Exiv2::FileIo(path));  // std::auto_ptr
#if defined(__clang__)
#pragma clang diagnostic pop
#endif
  errno = 0;
  if (io->open() != 0)
    return ErrnoError(errno != 0 ? errno : EIO, "open", path);
  Exiv2::byte first = 0;
  errno = 0;
  if (io->read(&first, 1) != 1 && io->error())
    return ErrnoError(errno != 0 ? errno : EIO, "read", path);
  io->close();
  try {
    auto image = Exiv2::ImageFactory::open(io);  // takes `io` over
    if (image.get() != nullptr)
      return std::unique_ptr<Exiv2::Image>(image.release());
  } catch (const Exiv2::AnyError&) {
    // Too short for one of the formats Exiv2 probes for: not an image.
  }
  return NotReadable("not a format Exiv2 knows", path);
}

// Exiv2's MIME types for ISO BMFF images other than CR3 (bmffimage.cpp:
// "image/generic" is any brand it does not name, e.g. HEIF sequences).
bool IsHeifFamily(const std::string& exiv2_mime) {
  return exiv2_mime == "image/heic" || exiv2_mime == "image/heif" ||
         exiv2_mime == "image/avif" || exiv2_mime == "image/generic";
}

// The first Exif item that decodes to any tag, and the first XMP item that
// does, each replacing what Exiv2 read (the same item when Exiv2 found it:
// libheif resolves `iloc` and the primary image's `cdsc` references, Exiv2
// 0.27 takes the first item it can read, or none). A damaged item is
// skipped like one that is absent.
void UseHeifItems(Exiv2::Image& image, const internal::HeifMetadata& heif) {
  for (const std::string& tiff : heif.exif) {
    Exiv2::ExifData exif;
    try {
      Exiv2::ExifParser::decode(
          exif, reinterpret_cast<const Exiv2::byte*>(tiff.data()),
          static_cast<uint32_t>(tiff.size()));
    } catch (const std::exception&) {  // Exiv2::AnyError, bad_alloc
      continue;
    }
    if (exif.empty()) continue;
    image.exifData() = std::move(exif);
    break;
  }
  for (const std::string& packet : heif.xmp) {
    Exiv2::XmpData xmp;
    {
      std::lock_guard<std::mutex> lock(internal::Exiv2XmpMutex());
      try {
        if (Exiv2::XmpParser::decode(xmp, packet) != 0) continue;
      } catch (const std::exception&) {
        continue;
      }
    }
    if (xmp.empty()) continue;
    image.xmpData() = std::move(xmp);
    break;
  }
}

MediaMetadata Assemble(Exiv2::Image& image, const std::string& path,
                       const internal::HeifMetadata* heif) {
  // Exiv2 copies a sidecar's XMP into Exif and IPTC (dropping time zones);
  // the XMP itself is what the sidecar says.
  static const Exiv2::ExifData kNoExif;
  static const Exiv2::IptcData kNoIptc;
  const bool sidecar = image.mimeType() == kSidecarMime;
  const Exiv2::ExifData& exif = sidecar ? kNoExif : image.exifData();
  const Exiv2::IptcData& iptc = sidecar ? kNoIptc : image.iptcData();
  const Exiv2::XmpData& xmp = image.xmpData();
  exiv2::TagIndex tags(exif, iptc, xmp);

  MediaMetadata m;
  exiv2::FileInfo file = exiv2::ReadFileInfo(image, path, tags);
  m.mime = std::move(file.mime);
  if (heif != nullptr && heif->width > 0 && heif->height > 0) {
    // The primary image's `ispe`, as ReadFileInfo's own box reading finds
    // it, but also where that gives up (a `meta` box past its bounds) and
    // Exiv2's fallback would report one tile of a grid image.
    m.width = heif->width;
    m.height = heif->height;
  } else if (!sidecar) {
    m.width = file.width;
    m.height = file.height;
  }
  m.orientation = exiv2::Orientation(tags);
  m.taken = exiv2::Taken(tags);
  m.make = exiv2::Make(tags);
  m.model = exiv2::Model(tags);
  m.lens = exiv2::Lens(tags);
  m.exposure_time = exiv2::ExposureTime(tags);
  m.f_number = exiv2::FNumber(tags);
  m.iso = exiv2::Iso(tags);
  m.focal_length = exiv2::FocalLength(tags);
  m.gps = exiv2::Gps(tags);
  m.rating = exiv2::Rating(tags);
  m.label = exiv2::Label(tags);
  m.keywords = exiv2::Keywords(tags);
  m.title = exiv2::Title(tags);
  m.description = exiv2::Description(tags);
  m.tags_json = exiv2::TagsJson(exif, iptc, xmp);
  return m;
}

}  // namespace

namespace internal {

void InitExiv2() { InitOnce(); }

std::mutex& Exiv2XmpMutex() {
  static auto* mutex = new std::mutex;  // never destroyed: used at exit too
  return *mutex;
}

Result<MediaMetadata> ExtractWithExiv2(const std::string& path,
                                       HeifMetadataReader read_heif) {
  InitOnce();  // cheap after the first call; a forgotten init must not
               // silently turn HEIC files into empty videos
  try {
    PHODEX_ASSIGN_OR_RETURN(std::unique_ptr<Exiv2::Image> image,
                            OpenImage(path));
    {
      std::lock_guard<std::mutex> lock(Exiv2XmpMutex());
      image->readMetadata();
    }
    std::optional<HeifMetadata> heif;
    if (read_heif != nullptr && IsHeifFamily(image->mimeType())) {
      // A file libheif cannot read keeps what Exiv2 read (a partial
      // result, as for any file whose metadata is damaged).
      if (Result<HeifMetadata> items = read_heif(path)) {
        heif = std::move(*items);
        UseHeifItems(*image, *heif);
      }
    }
    return Assemble(*image, path, heif ? &*heif : nullptr);
  } catch (const Exiv2::AnyError& e) {
    return NotReadable(e.what(), path);
  } catch (const std::bad_alloc&) {
    // Damaged size fields make Exiv2 allocate absurd buffers.
    return NotReadable("out of memory", path);
  } catch (const std::exception& e) {
    return NotReadable(e.what(), path);
  } catch (...) {
    return NotReadable("unknown exception", path);
  }
}

}  // namespace internal
}  // namespace phodex::media
