#pragma once
// Internal to media/ (the Exiv2 adapter): a file's type and stored pixel
// size the way exiftool reports them (File:MIMEType, Composite:ImageSize),
// where Exiv2 0.27 differs:
//  - MIME names: Exiv2 says "image/tiff" for DNG and most TIFF-based RAW,
//    "image/x-fuji-raf", and "image/heic" for every HEIF brand. The file
//    type comes from the DNGVersion tag, the extension of TIFF-based RAW
//    (as exiftool), and the BMFF major brand.
//  - Sizes: for HEIF Exiv2 reports the Exif PixelXDimension, which may be
//    the size of the picture the file was made from; exiftool reports the
//    primary item's `ispe`. For RAF Exiv2 reports the embedded preview, for
//    RW2 the whole sensor and for IIQ 1x1; exiftool reports the size the
//    camera records (RAF RawImageCroppedSize, RW2 sensor borders, IIQ Exif
//    image size).
// These read a few header bytes through the image's own BasicIo; never
// pixels.
//
// Thread-compatible: one Image per thread, as Exiv2 requires.

#include <exiv2/exiv2.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "media/exiv2_values.h"

namespace phodex::media::exiv2 {

struct FileInfo {
  std::string mime;  // exiftool's File:MIMEType
  std::optional<int64_t> width;
  std::optional<int64_t> height;
};

// REQUIRES: image.readMetadata() has run; `tags` indexes its metadata.
FileInfo ReadFileInfo(Exiv2::Image& image, const std::string& path,
                      const TagIndex& tags);

}  // namespace phodex::media::exiv2
