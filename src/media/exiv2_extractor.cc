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

#include <exiv2/exiv2.hpp>

#include <cerrno>
#include <memory>
#include <mutex>
#include <string_view>

#include "media/exiv2_fields.h"
#include "media/exiv2_file_info.h"
#include "media/exiv2_lock.h"
#include "media/exiv2_values.h"
#include "media/extractor_libs.h"
#include "media/metadata_extractor.h"
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
  return MakeError(ErrorCode::kCorrupt,
                   "not a readable image: " + util::EscapeBytes(reason), kOp,
                   path);
}

// Opens `path` as a plain file (ImageFactory::open(path) would fetch a
// name that looks like a URL) and reads its first byte, so that a missing
// or unreadable file or a folder is reported from errno (not found,
// permission denied) rather than as Exiv2's text.
Result<std::unique_ptr<Exiv2::Image>> OpenImage(const std::string& path) {
  Exiv2::BasicIo::AutoPtr io(new Exiv2::FileIo(path));  // std::auto_ptr
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

MediaMetadata Assemble(Exiv2::Image& image, const std::string& path) {
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
  if (!sidecar) {
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

}  // namespace internal

Result<MediaMetadata> ExtractImageMetadata(const std::string& path) {
  InitOnce();  // cheap after the first call; a forgotten init must not
               // silently turn HEIC files into empty videos
  try {
    PHODEX_ASSIGN_OR_RETURN(std::unique_ptr<Exiv2::Image> image,
                            OpenImage(path));
    {
      std::lock_guard<std::mutex> lock(internal::Exiv2XmpMutex());
      image->readMetadata();
    }
    return Assemble(*image, path);
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

}  // namespace phodex::media
