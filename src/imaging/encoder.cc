// Encode (imaging/decoder.h): resize with libvips (Lanczos, never
// enlarging), then WebP or JPEG into memory, metadata stripped (the pixels
// are already upright and sRGB; thumbnails need no EXIF or profile).

#include <cstdint>
#include <string>

#include <vips/vips.h>

#include "imaging/decoder.h"
#include "imaging/vips_image.h"

namespace phodex::imaging {
namespace {

constexpr char kOp[] = "encode";
constexpr int kWebpEffort = 2;

Status CheckInput(const RgbImage& image, const EncodeOptions& options) {
  if (image.width < 1 || image.height < 1 ||
      image.pixels.size() !=
          static_cast<size_t>(image.width) * image.height * 3)
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a width x height x 3 image", kOp);
  if (options.longest_edge < 1)
    return MakeError(ErrorCode::kInvalidArgument,
                     "longest_edge must be at least 1", kOp);
  if (options.quality < 1 || options.quality > 100)
    return MakeError(ErrorCode::kInvalidArgument,
                     "quality must be within 1..100", kOp);
  return {};
}

}  // namespace

Result<std::string> Encode(const RgbImage& image,
                           const EncodeOptions& options) {
  InitImagingLibraries();
  PHODEX_TRY(CheckInput(image, options));
  vips_error_clear();
  // Wraps the caller's pixels (no copy): `image` outlives every libvips
  // image made here, all written before this returns.
  VipsImagePtr in(vips_image_new_from_memory(
      image.pixels.data(), image.pixels.size(), image.width, image.height, 3,
      VIPS_FORMAT_UCHAR));
  if (in == nullptr)
    return VipsFailure(ErrorCode::kInternal, "wrap pixels", kOp);
  in->Type = VIPS_INTERPRETATION_sRGB;
  Result<VipsImagePtr> fitted = FitWithin(in.get(), options.longest_edge);
  if (!fitted) {
    return MakeError(ErrorCode::kInternal, fitted.error().message(), kOp);
  }

  void* data = nullptr;
  size_t size = 0;
  int rc = 0;
  if (options.format == ImageFormat::kWebp) {
    // effort 2 (libwebp's "method"), not libvips' default 4: half the
    // encode time for files ~8% larger at the same quality setting
    // (docs/performance.md, "Thumbnails"); encoding was a third of the
    // pixel stage's time.
    rc = vips_webpsave_buffer(fitted->get(), &data, &size, "Q", options.quality,
                              "strip", TRUE, "effort", kWebpEffort, nullptr);
  } else {
    rc = vips_jpegsave_buffer(fitted->get(), &data, &size, "Q", options.quality,
                              "strip", TRUE, "optimize_coding", TRUE,
                              "interlace", FALSE, nullptr);
  }
  if (rc != 0) return VipsFailure(ErrorCode::kInternal, "cannot encode", kOp);
  std::string bytes(static_cast<const char*>(data), size);
  g_free(data);
  return bytes;
}

}  // namespace phodex::imaging
