#pragma once
// Internal to imaging/: photos (JPEG, HEIC/AVIF, PNG, TIFF, WebP, JXL, GIF,
// BMP through ImageMagick) through libvips' vips_thumbnail, which shrinks
// on load (JPEG DCT scaling, HEIF embedded thumbnails, TIFF pyramids), turns
// the image upright by its EXIF orientation and converts it to sRGB with
// its embedded ICC profile. See imaging/decoder.h for the contract.
//
// Thread-safe.

#include <string>
#include <string_view>

#include "core/error.h"
#include "imaging/decoder.h"

namespace phodex::imaging {

// Truncated files: libvips' default (fail_on "none") is kept, so a JPEG cut
// short decodes, its missing part grey (libjpeg's fill), rather than
// failing: a photo missing its last bytes (a common copy accident) still
// gets a thumbnail that shows the damage. Files whose header or first scan
// cannot be read fail with kContentFault.
//
// Only files whose first bytes (`head`, at least the first 16 when the
// file has them) are one of those formats reach libvips: anything else is
// kContentFault before a loader sees it, so libvips' other loaders (ImageMagick
// behind BMP reads SVG, MVG, PostScript, ...) never run on a disguised
// file. A path ending in ']' is refused (kInvalidArgument): libvips would
// read "name[...]" as load options.
// REQUIRES: InitImagingLibraries() was called; options.target_edge >= 1.
Result<DecodedImage> DecodeWithVips(const std::string& path,
                                    std::string_view head,
                                    const DecodeOptions& options);

}  // namespace phodex::imaging
