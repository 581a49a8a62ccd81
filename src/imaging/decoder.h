#pragma once
// Decoding an image, RAW or video once, at the smallest size that serves
// every consumer (the largest output asked for, normally the 1600-pixel
// preview), into an RgbImage (imaging/rgb_image.h):
//   - JPEG, HEIC/AVIF, PNG, TIFF, WebP, JXL, ...: libvips with
//     shrink-on-load (JPEG DCT scaling, HEIF embedded thumbnails when
//     large enough);
//   - RAW: LibRaw. The embedded preview JPEG when its longest edge is at
//     least `target_edge`, else a half-size demosaic; never a full-size
//     demosaic;
//   - video: libavformat/libavcodec, one frame near 10% of the duration.
// Orientation applied, colour converted to sRGB, alpha flattened.
//
// Decoders are not safe on hostile files (libvips, LibRaw and FFmpeg are
// large C codebases): the scan calls them only inside the isolated worker
// processes (imaging/render_pool.h). Thread-safe; only the text of two
// libvips errors raised at the same moment in one process may mix
// (libvips' error buffer is process-wide).
//
// Memory: the output plus the library's working set. JPEG shrinks on load
// (1/2 to 1/8 scale in the DCT); PNG, TIFF, WebP stream row by row; HEIF
// uses its embedded thumbnail when large enough, else libheif decodes the
// whole main image (about 460 MB for a 33-megapixel 10-bit camera HIF);
// RAW: LibRaw's packed sensor data plus a half-size image; video: one
// frame.
//
// Details per format are in imaging/vips_decoder.h, raw_decoder.h and
// video_decoder.h (internal headers).

#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/media_kind.h"
#include "imaging/rgb_image.h"

namespace phodex::imaging {

struct DecodeOptions {
  // Longest edge wanted, in pixels. The result is at most this large
  // (never upscaled) and at least this large when the source is.
  int target_edge = 1600;
  // Refuse sources with more pixels than this (kContentFault, "image too
  // large: W x H"), checked from the header before any pixel is decoded:
  // a decompression bomb costs nothing. 0: no cap.
  int64_t max_source_pixels = int64_t{300} * 1000 * 1000;
};

// Which way a decode went (for tests, benchmarks and `show`).
enum class DecodePath {
  kLibvips,       // shrink-on-load through libvips
  kRawPreview,    // the RAW's embedded preview JPEG
  kRawHalfSize,   // LibRaw half-size demosaic
  kVideoFrame,    // one FFmpeg frame
};
const char* DecodePathName(DecodePath p);

struct DecodedImage {
  RgbImage image;
  // The full source size as displayed (after orientation), so the catalog
  // can say 6000 x 4000 though only 1600 x 1067 was decoded.
  int source_width = 0;
  int source_height = 0;
  DecodePath path = DecodePath::kLibvips;
};

// Once per process, before the first decode (starts libvips; safe to call
// again, from any thread; Decode and Encode call it too). Sets libvips to
// one thread and no operation cache (the scan runs one worker process per
// core), blocks the libvips loaders a photo never needs (PDF, SVG,
// OpenSlide, FITS, ...) and silences FFmpeg's and libvips' logging.
void InitImagingLibraries();

// kContentFault: unreadable or refused content (with the decoder's reason): an
// empty file, a photo whose first bytes are not JPEG, PNG, GIF, TIFF, WebP,
// HEIF/AVIF, JPEG XL or BMP, a header over max_source_pixels, no
// decodable frame. A JPEG cut short is not an error: it decodes, the
// missing part grey (libvips' default), so a photo that lost its last
// bytes still has a picture. kUnsupported: no decoder for the format or
// kind (a RAW LibRaw doesn't know, a sidecar); kNotFound /
// kPermissionDenied / kIo: the file itself (from errno, before any
// library opens it); kInvalidArgument: a folder, or target_edge < 1.
Result<DecodedImage> Decode(const std::string& path, MediaKind kind,
                            const DecodeOptions& options);

// Forces a RAW through the half-size demosaic even when its preview would
// do: benchmarks compare the two ways. Errors as Decode.
Result<DecodedImage> DecodeRawHalfSizeForBench(const std::string& path,
                                               const DecodeOptions& options);

enum class ImageFormat { kWebp, kJpeg };

struct EncodeOptions {
  int longest_edge = 256;  // the output's longest edge; never upscaled
  ImageFormat format = ImageFormat::kWebp;
  int quality = 80;        // 1..100
};

// Resizes (high-quality downsampling: libvips' Lanczos) and encodes to
// bytes in memory, metadata stripped (WebP, or baseline optimised JPEG).
// kInvalidArgument: pixels.size() != width * height * 3, an empty image,
// longest_edge < 1 or quality outside 1..100.
Result<std::string> Encode(const RgbImage& image, const EncodeOptions& options);

}  // namespace phodex::imaging
