#pragma once
// Internal to imaging/: camera RAW files through LibRaw (libraw_r, one
// LibRaw object per call, so thread-safe). See imaging/decoder.h.
//
// Two ways, cheapest first:
//   - the embedded preview (a JPEG, or an 8-bit bitmap) when its longest
//     edge is at least the target: decoded from memory with libvips,
//     turned by the RAW's orientation (previews are stored as the sensor
//     saw them, whatever EXIF orientation they carry themselves, which is
//     ignored);
//   - else a half-size demosaic (camera white balance, sRGB, 8 bits),
//     which LibRaw turns upright itself, shrunk to the target with libvips.
// Never a full-size demosaic.

#include <string>

#include "core/error.h"
#include "imaging/decoder.h"

namespace phodex::imaging {

enum class RawRoute {
  kPreviewOrHalfSize,  // the preview when large enough (normal use)
  kHalfSizeOnly,       // benchmarks: always the demosaic
};

// kUnsupported: a format or camera LibRaw does not know; kContentFault: data
// LibRaw cannot read (truncated, no image data), or a size over
// options.max_source_pixels.
// REQUIRES: InitImagingLibraries() was called; options.target_edge >= 1.
Result<DecodedImage> DecodeRaw(const std::string& path,
                               const DecodeOptions& options, RawRoute route);

}  // namespace phodex::imaging
