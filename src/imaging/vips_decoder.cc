#include "imaging/vips_decoder.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <vips/vips.h>

#include "imaging/vips_image.h"

namespace phodex::imaging {
namespace {

constexpr char kOp[] = "decode";

// The formats we let libvips open, by signature: JPEG, PNG, GIF, TIFF
// (and BigTIFF), WebP, ISO BMFF (HEIC/HEIF/AVIF: "ftyp" at offset 4), JPEG
// XL (bare codestream or container), BMP.
bool IsPhotoSignature(std::string_view h) {
  auto at = [&h](size_t offset, std::string_view magic) {
    return h.size() >= offset + magic.size() &&
           h.substr(offset, magic.size()) == magic;
  };
  using namespace std::string_view_literals;
  return at(0, "\xFF\xD8\xFF"sv) || at(0, "\x89PNG\r\n\x1A\n"sv) ||
         at(0, "GIF87a"sv) || at(0, "GIF89a"sv) || at(0, "II*\0"sv) ||
         at(0, "MM\0*"sv) || at(0, "II+\0"sv) || at(0, "MM\0+"sv) ||
         (at(0, "RIFF"sv) && at(8, "WEBP"sv)) || at(4, "ftyp"sv) ||
         at(0, "\xFF\x0A"sv) || at(0, "\0\0\0\x0CJXL \r\n\x87\n"sv) ||
         at(0, "BM"sv);
}

// What the file's header says, read without decoding a pixel.
struct Header {
  int width = 0;  // as stored
  int height = 0;
  int orientation = 1;  // EXIF 1..8; HEIF: 1 (libheif applies irot/imir)
  bool has_icc = false;
  bool heif = false;
  VipsInterpretation interpretation = VIPS_INTERPRETATION_sRGB;
};

// Opens `path` lazily: the loader parses the header; pixels are decoded
// only when something downstream is written.
VipsImagePtr OpenLazily(const std::string& path) {
  return VipsImagePtr(vips_image_new_from_file(
      path.c_str(), "access", VIPS_ACCESS_SEQUENTIAL, nullptr));
}

Result<Header> ReadHeader(const std::string& path) {
  VipsImagePtr image = OpenLazily(path);
  if (image == nullptr)
    return VipsFailure(ErrorCode::kContentFault, "not a readable image", kOp, path);
  Header h;
  h.width = image->Xsize;
  h.height = image->Ysize;
  h.orientation = vips_image_get_orientation(image.get());
  h.has_icc = vips_image_get_typeof(image.get(), VIPS_META_ICC_NAME) != 0;
  const char* loader = nullptr;
  h.heif = vips_image_get_string(image.get(), VIPS_META_LOADER, &loader) == 0 &&
           std::string_view(loader).starts_with("heifload");
  h.interpretation = vips_image_guess_interpretation(image.get());
  return h;
}

// vips_thumbnail's fallback input profile for an embedded profile that
// cannot be used (broken, or made for another colour space): libvips'
// built-in sRGB or CMYK profile; none for grey.
const char* FallbackProfile(const Header& h) {
  if (h.interpretation == VIPS_INTERPRETATION_CMYK) return "cmyk";
  if (h.interpretation == VIPS_INTERPRETATION_B_W ||
      h.interpretation == VIPS_INTERPRETATION_GREY16)
    return nullptr;
  return "srgb";
}

// One way of decoding: which image vips_thumbnail starts from, and whether
// it applies the embedded ICC profile (else libvips' plain colourspace
// rules make sRGB).
struct Attempt {
  enum class Load {
    kShrinkOnLoad,  // vips_thumbnail on the file: DCT scaling, HEIF thumbnail
    kMainImage,     // the primary image, then shrunk (HEIF: no thumbnail)
  } load;
  bool profile;
};

// Fits `edge` x `edge` (never enlarging), upright, sRGB, then 8-bit RGB in
// memory. A null string option is the same as an option not given.
Result<RgbImage> Render(const std::string& path, const Header& header, int edge,
                        const Attempt& attempt) {
  const char* export_profile = attempt.profile ? "srgb" : nullptr;
  const char* import_profile =
      attempt.profile ? FallbackProfile(header) : nullptr;
  VipsImage* out = nullptr;
  int rc = 0;
  if (attempt.load == Attempt::Load::kShrinkOnLoad) {
    rc = vips_thumbnail(path.c_str(), &out, edge, "height", edge, "size",
                        VIPS_SIZE_DOWN, "export_profile", export_profile,
                        "import_profile", import_profile, nullptr);
  } else {
    VipsImagePtr main = OpenLazily(path);
    rc = main == nullptr ? -1
                         : vips_thumbnail_image(
                               main.get(), &out, edge, "height", edge, "size",
                               VIPS_SIZE_DOWN, "export_profile", export_profile,
                               "import_profile", import_profile, nullptr);
  }
  if (rc != 0)
    return VipsFailure(ErrorCode::kContentFault, "cannot decode", kOp, path);
  VipsImagePtr thumbnail(out);
  PHODEX_ASSIGN_OR_RETURN(VipsImagePtr rgb, ToSrgb8(thumbnail.get()));
  return ToRgbImage(rgb.get());
}

// The attempts, cheapest first. The fallbacks only run after a failure:
// an embedded profile lcms refuses (the picture is still worth showing
// with plain sRGB rules), and a HEIF whose embedded thumbnail is broken
// while its main image is not (a camera's Sony.HIF in the corpus).
std::vector<Attempt> Attempts(const Header& header) {
  using Load = Attempt::Load;
  std::vector<Attempt> attempts = {{Load::kShrinkOnLoad, header.has_icc}};
  if (header.has_icc) attempts.push_back({Load::kShrinkOnLoad, false});
  if (header.heif) attempts.push_back({Load::kMainImage, header.has_icc});
  return attempts;
}

}  // namespace

Result<DecodedImage> DecodeWithVips(const std::string& path,
                                    std::string_view head,
                                    const DecodeOptions& options) {
  if (!path.empty() && path.back() == ']') {
    return MakeError(ErrorCode::kInvalidArgument,
                     "libvips cannot open a name ending in ']'", kOp, path);
  }
  if (!IsPhotoSignature(head)) {
    return MakeError(ErrorCode::kContentFault, "not a known image format", kOp,
                     path);
  }
  vips_error_clear();
  PHODEX_ASSIGN_OR_RETURN(const Header header, ReadHeader(path));
  const int64_t pixels = int64_t{header.width} * header.height;
  if (options.max_source_pixels > 0 && pixels > options.max_source_pixels) {
    return MakeError(ErrorCode::kContentFault,
                     "image too large: " + std::to_string(header.width) +
                         " x " + std::to_string(header.height),
                     kOp, path);
  }

  // Reported, when every attempt fails: the first attempt's reason.
  std::optional<Error> first_error;
  for (const Attempt& attempt : Attempts(header)) {
    Result<RgbImage> image = Render(path, header, options.target_edge, attempt);
    if (!image) {
      if (!first_error) first_error = std::move(image).error();
      continue;
    }
    DecodedImage decoded;
    decoded.image = std::move(*image);
    const bool swap = header.orientation >= 5 && header.orientation <= 8;
    decoded.source_width = swap ? header.height : header.width;
    decoded.source_height = swap ? header.width : header.height;
    decoded.path = DecodePath::kLibvips;
    return decoded;
  }
  return std::unexpected(std::move(*first_error));
}

}  // namespace phodex::imaging
