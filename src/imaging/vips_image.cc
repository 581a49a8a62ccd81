#include "imaging/vips_image.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "util/text.h"

namespace phodex::imaging {
namespace {

// Takes ownership of what a libvips call put in `*out`.
VipsImagePtr Own(VipsImage* out) { return VipsImagePtr(out); }

VipsImagePtr Ref(VipsImage* in) {
  g_object_ref(in);
  return VipsImagePtr(in);
}

// No operation or path: the caller's (decode, encode) adds them.
std::unexpected<Error> StepFailed(std::string_view step) {
  return VipsFailure(ErrorCode::kContentFault, step, "");
}

}  // namespace

std::string TakeVipsError() {
  std::string text = vips_error_buffer();
  vips_error_clear();
  // One message per line, each ending in a newline: join them.
  std::string joined;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) {
      if (!joined.empty()) joined += "; ";
      joined.append(text, start, end - start);
    }
    start = end + 1;
  }
  return util::EscapeBytes(joined);
}

std::unexpected<Error> VipsFailure(ErrorCode code, std::string_view what,
                                   const std::string& op,
                                   const std::string& path) {
  std::string message(what);
  const std::string reason = TakeVipsError();
  if (!reason.empty()) message += ": " + reason;
  return MakeError(code, std::move(message), op, path);
}

Result<VipsImagePtr> ToSrgb8(VipsImage* in) {
  VipsImagePtr cur = Ref(in);
  VipsImage* out = nullptr;
  if (cur->Coding != VIPS_CODING_NONE) {  // LABQ, RAD
    if (vips_image_decode(cur.get(), &out) != 0) return StepFailed("unpack");
    cur = Own(out);
  }
  // Grey, RGB16, CMYK (with libvips' built-in CMYK profile), Lab, ... to
  // 8-bit sRGB, alpha kept. Spaces libvips cannot convert (multiband
  // scientific images) go on as they are and are cut to three bands below.
  if (vips_colourspace_issupported(cur.get())) {
    if (vips_colourspace(cur.get(), &out, VIPS_INTERPRETATION_sRGB, nullptr) !=
        0)
      return StepFailed("convert to sRGB");
    cur = Own(out);
  }
  if (vips_image_hasalpha(cur.get())) {
    const double max_alpha = cur->BandFmt == VIPS_FORMAT_USHORT ? 65535 : 255;
    VipsArrayDouble* white = vips_array_double_newv(1, max_alpha);
    const int rc = vips_flatten(cur.get(), &out, "background", white,
                                "max_alpha", max_alpha, nullptr);
    vips_area_unref(VIPS_AREA(white));
    if (rc != 0) return StepFailed("flatten alpha");
    cur = Own(out);
  }
  if (cur->BandFmt != VIPS_FORMAT_UCHAR) {
    // 16-bit left over (a space colourspace did not know): keep the top
    // byte rather than clipping everything to 255.
    const int rc = cur->BandFmt == VIPS_FORMAT_USHORT
                       ? vips_cast(cur.get(), &out, VIPS_FORMAT_UCHAR, "shift",
                                   TRUE, nullptr)
                       : vips_cast_uchar(cur.get(), &out, nullptr);
    if (rc != 0) return StepFailed("convert to 8 bits");
    cur = Own(out);
  }
  if (cur->Bands < 3) {
    VipsImage* grey = nullptr;
    if (vips_extract_band(cur.get(), &grey, 0, nullptr) != 0)
      return StepFailed("extract band");
    VipsImagePtr grey_owned = Own(grey);
    VipsImage* bands[3] = {grey, grey, grey};
    if (vips_bandjoin(bands, &out, 3, nullptr) != 0)
      return StepFailed("join bands");
    cur = Own(out);
  } else if (cur->Bands > 3) {
    if (vips_extract_band(cur.get(), &out, 0, "n", 3, nullptr) != 0)
      return StepFailed("extract bands");
    cur = Own(out);
  }
  return cur;
}

Result<VipsImagePtr> FitWithin(VipsImage* in, int edge) {
  const int longest = std::max(in->Xsize, in->Ysize);
  if (longest <= edge) return Ref(in);
  const double scale = static_cast<double>(edge) / longest;
  VipsImage* out = nullptr;
  // vips_resize rounds each output dimension to the nearest pixel, so the
  // longest edge comes out as `edge` exactly.
  if (vips_resize(in, &out, scale, nullptr) != 0) return StepFailed("resize");
  return Own(out);
}

Result<RgbImage> ToRgbImage(VipsImage* in) {
  PHODEX_CHECK(in->Bands == 3 && in->BandFmt == VIPS_FORMAT_UCHAR);
  size_t size = 0;
  void* data = vips_image_write_to_memory(in, &size);
  if (data == nullptr) return StepFailed("decode pixels");
  RgbImage image;
  image.width = in->Xsize;
  image.height = in->Ysize;
  const size_t expected = static_cast<size_t>(image.width) * image.height * 3;
  if (size != expected) {
    g_free(data);
    return MakeError(ErrorCode::kInternal,
                     "libvips returned " + std::to_string(size) +
                         " bytes, not " + std::to_string(expected));
  }
  const auto* bytes = static_cast<const uint8_t*>(data);
  image.pixels.assign(bytes, bytes + size);
  g_free(data);
  return image;
}

}  // namespace phodex::imaging
