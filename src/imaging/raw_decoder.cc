#include "imaging/raw_decoder.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <libraw/libraw.h>
#include <vips/vips.h>

#include "imaging/reorient.h"
#include "imaging/vips_image.h"

namespace phodex::imaging {
namespace {

constexpr char kOp[] = "decode raw";

// LibRaw's default handlers print to stderr; its return codes say enough.
void IgnoreDataError(void*, const char*, const int) {}
void IgnoreMemoryError(void*, const char*, const char*) {}

// LibRaw's return codes, translated in this one place.
std::unexpected<Error> LibRawError(int rc, const char* step,
                                   const std::string& path) {
  if (rc > 0) return ErrnoError(rc, step, path);  // open(2) failed
  ErrorCode code = ErrorCode::kContentFault;
  std::string reason = libraw_strerror(rc);
  switch (rc) {
    case LIBRAW_FILE_UNSUPPORTED:
      code = ErrorCode::kUnsupported;
      reason = "not a RAW format or camera LibRaw " LIBRAW_VERSION_STR " knows";
      break;
    case LIBRAW_IO_ERROR:
      // The file was opened before: a read past its end, i.e. truncated.
      reason = "cannot read the image data (truncated file?)";
      break;
    case LIBRAW_UNSUFFICIENT_MEMORY:
    case LIBRAW_TOO_BIG:
      reason = "image too large for LibRaw's memory limit";
      break;
    default:
      break;
  }
  return MakeError(code, std::string(step) + ": " + reason, kOp, path);
}

struct ProcessedImageFree {
  void operator()(libraw_processed_image_t* image) const {
    LibRaw::dcraw_clear_mem(image);
  }
};

// 8-bit interleaved pixels owned elsewhere (LibRaw), fitted to `edge`,
// as sRGB.
Result<RgbImage> FromMemory(const uint8_t* data, size_t size, int width,
                            int height, int bands, int edge) {
  VipsImagePtr image(vips_image_new_from_memory(data, size, width, height,
                                                bands, VIPS_FORMAT_UCHAR));
  if (image == nullptr)
    return VipsFailure(ErrorCode::kInternal, "wrap pixels", kOp);
  PHODEX_ASSIGN_OR_RETURN(VipsImagePtr fitted, FitWithin(image.get(), edge));
  PHODEX_ASSIGN_OR_RETURN(VipsImagePtr rgb, ToSrgb8(fitted.get()));
  return ToRgbImage(rgb.get());
}

// The embedded JPEG, when it is at least `edge` on its longest side.
// Its own EXIF orientation is ignored (no_rotate): the RAW's is applied.
std::optional<RgbImage> JpegPreview(const libraw_thumbnail_t& thumb, int edge,
                                    int64_t max_pixels) {
  // Only a JPEG goes to libvips (whose buffer loaders include
  // ImageMagick's, which reads far more than photos).
  const auto* bytes = reinterpret_cast<const unsigned char*>(thumb.thumb);
  if (thumb.tlength < 3 || bytes[0] != 0xFF || bytes[1] != 0xD8 ||
      bytes[2] != 0xFF)
    return std::nullopt;
  bool has_icc = false;
  {
    VipsImagePtr header(
        vips_image_new_from_buffer(thumb.thumb, thumb.tlength, "", "access",
                                   VIPS_ACCESS_SEQUENTIAL, nullptr));
    if (header == nullptr) return std::nullopt;
    if (std::max(header->Xsize, header->Ysize) < edge) return std::nullopt;
    if (max_pixels > 0 && int64_t{header->Xsize} * header->Ysize > max_pixels)
      return std::nullopt;
    has_icc = vips_image_get_typeof(header.get(), VIPS_META_ICC_NAME) != 0;
  }
  VipsImage* out = nullptr;
  const int rc =
      has_icc ? vips_thumbnail_buffer(thumb.thumb, thumb.tlength, &out, edge,
                                      "height", edge, "size", VIPS_SIZE_DOWN,
                                      "no_rotate", TRUE, "export_profile",
                                      "srgb", "import_profile", "srgb", nullptr)
              : vips_thumbnail_buffer(thumb.thumb, thumb.tlength, &out, edge,
                                      "height", edge, "size", VIPS_SIZE_DOWN,
                                      "no_rotate", TRUE, nullptr);
  if (rc != 0) return std::nullopt;
  VipsImagePtr shrunk(out);
  Result<VipsImagePtr> rgb = ToSrgb8(shrunk.get());
  if (!rgb) return std::nullopt;
  Result<RgbImage> image = ToRgbImage(rgb->get());
  if (!image) return std::nullopt;
  return std::move(*image);
}

// An 8-bit bitmap preview (some older cameras), when large enough.
std::optional<RgbImage> BitmapPreview(const libraw_thumbnail_t& thumb,
                                      int edge) {
  const int width = thumb.twidth;
  const int height = thumb.theight;
  const int bands = thumb.tcolors;
  if (std::max(width, height) < edge || (bands != 1 && bands != 3))
    return std::nullopt;
  const size_t size = static_cast<size_t>(width) * height * bands;
  if (thumb.tlength < size) return std::nullopt;
  Result<RgbImage> image =
      FromMemory(reinterpret_cast<const uint8_t*>(thumb.thumb), size, width,
                 height, bands, edge);
  if (!image) return std::nullopt;
  return std::move(*image);
}

// The preview turned upright, or nothing when there is none large enough
// (or it does not decode): the caller falls back to the demosaic.
std::optional<RgbImage> TryPreview(LibRaw& raw, const DecodeOptions& options) {
  if (raw.unpack_thumb() != LIBRAW_SUCCESS) return std::nullopt;
  const libraw_thumbnail_t& thumb = raw.imgdata.thumbnail;
  if (thumb.thumb == nullptr || thumb.tlength == 0) return std::nullopt;
  std::optional<RgbImage> image;
  if (thumb.tformat == LIBRAW_THUMBNAIL_JPEG) {
    image = JpegPreview(thumb, options.target_edge, options.max_source_pixels);
  } else if (thumb.tformat == LIBRAW_THUMBNAIL_BITMAP) {
    image = BitmapPreview(thumb, options.target_edge);
  }
  vips_error_clear();  // a refused preview is not this decode's error
  if (!image) return std::nullopt;
  unsigned flip = static_cast<unsigned>(raw.imgdata.sizes.flip) & 7;
  // A preview whose shape already is the displayed one (portrait where
  // the sensor is landscape) was turned by the camera: turning it again
  // would lie it on its side.
  const libraw_image_sizes_t& s = raw.imgdata.sizes;
  if ((flip & 4) != 0 && image->width != image->height && s.width != s.height &&
      (image->width > image->height) != (s.width > s.height)) {
    flip = kFlipNone;
  }
  return Reorient(std::move(*image), flip);
}

// LibRaw's half-size demosaic (one output pixel per 2x2 Bayer block, no
// interpolation), already turned by the RAW's orientation, fitted to the
// target.
Result<RgbImage> HalfSize(LibRaw& raw, const DecodeOptions& options,
                          const std::string& path) {
  libraw_output_params_t& params = raw.imgdata.params;
  params.half_size = 1;
  params.use_camera_wb = 1;
  params.output_bps = 8;
  params.output_color = 1;  // sRGB
  int rc = raw.unpack();
  if (rc != LIBRAW_SUCCESS) return LibRawError(rc, "unpack", path);
  rc = raw.dcraw_process();
  if (rc != LIBRAW_SUCCESS) return LibRawError(rc, "demosaic", path);
  int err = LIBRAW_SUCCESS;
  std::unique_ptr<libraw_processed_image_t, ProcessedImageFree> processed(
      raw.dcraw_make_mem_image(&err));
  if (processed == nullptr) return LibRawError(err, "demosaic", path);
  const libraw_processed_image_t& p = *processed;
  const size_t size = static_cast<size_t>(p.width) * p.height * p.colors;
  if (p.type != LIBRAW_IMAGE_BITMAP || p.bits != 8 ||
      (p.colors != 1 && p.colors != 3) || p.data_size < size || size == 0) {
    return MakeError(ErrorCode::kContentFault,
                     "LibRaw returned an unexpected image format", kOp, path);
  }
  return FromMemory(p.data, size, p.width, p.height, p.colors,
                    options.target_edge);
}

Result<DecodedImage> DecodeRawUnguarded(const std::string& path,
                                        const DecodeOptions& options,
                                        RawRoute route) {
  // One LibRaw per call (it holds the whole decode state; ~ 1 MB, so on
  // the heap). Declared first so that it outlives every libvips image made
  // over its buffers.
  auto raw = std::make_unique<LibRaw>(LIBRAW_OPTIONS_NONE);
  raw->set_dataerror_handler(&IgnoreDataError, nullptr);
  raw->set_memerror_handler(&IgnoreMemoryError, nullptr);
  int rc = raw->open_file(path.c_str());
  if (rc != LIBRAW_SUCCESS) return LibRawError(rc, "open", path);

  const libraw_image_sizes_t& s = raw->imgdata.sizes;
  if (s.width == 0 || s.height == 0 || s.raw_width == 0 || s.raw_height == 0)
    return MakeError(ErrorCode::kContentFault, "no image size", kOp, path);
  const int64_t raw_pixels = int64_t{s.raw_width} * s.raw_height;
  if (options.max_source_pixels > 0 && raw_pixels > options.max_source_pixels) {
    return MakeError(ErrorCode::kContentFault,
                     "image too large: " + std::to_string(s.raw_width) + " x " +
                         std::to_string(s.raw_height),
                     kOp, path);
  }
  DecodedImage decoded;
  const bool swap = (s.flip & 4) != 0;
  decoded.source_width = swap ? s.height : s.width;
  decoded.source_height = swap ? s.width : s.height;

  if (route == RawRoute::kPreviewOrHalfSize) {
    if (std::optional<RgbImage> preview = TryPreview(*raw, options)) {
      decoded.image = std::move(*preview);
      decoded.path = DecodePath::kRawPreview;
      return decoded;
    }
  }
  PHODEX_ASSIGN_OR_RETURN(decoded.image, HalfSize(*raw, options, path));
  decoded.path = DecodePath::kRawHalfSize;
  return decoded;
}

}  // namespace

Result<DecodedImage> DecodeRaw(const std::string& path,
                               const DecodeOptions& options, RawRoute route) {
  vips_error_clear();
  // LibRaw is C++: whatever it lets escape (std::bad_alloc) stops here.
  try {
    return DecodeRawUnguarded(path, options, route);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal,
                     std::string("LibRaw failed: ") + e.what(), kOp, path);
  } catch (...) {
    return MakeError(ErrorCode::kInternal, "LibRaw failed", kOp, path);
  }
}

}  // namespace phodex::imaging
