#pragma once
// Internal to imaging/: small helpers over the libvips C API shared by the
// photo decoder, the RAW decoder (which decodes previews and resizes
// demosaiced pixels with libvips) and the encoder. Not a public header:
// libvips types stay inside the imaging module.
//
// Every libvips object is held by a VipsImagePtr, so that every path,
// error paths included, unrefs what it made.
//
// Thread-safe (libvips is, after InitImagingLibraries). One caveat:
// libvips' error buffer is process-wide, so two decodes failing at the same
// moment in one process may see each other's text in their messages. The
// scan decodes in single-threaded worker processes.

#include <memory>
#include <string>
#include <string_view>

#include <vips/vips.h>

#include "core/error.h"
#include "imaging/rgb_image.h"

namespace phodex::imaging {

struct GObjectUnref {
  void operator()(void* object) const {
    if (object != nullptr) g_object_unref(object);
  }
};
using VipsImagePtr = std::unique_ptr<VipsImage, GObjectUnref>;

// Takes libvips' error buffer (and clears it), as one line of valid UTF-8:
// the loaders' messages quote file names and bytes of the file.
std::string TakeVipsError();

// An Error of `code` whose message is `what`, then libvips' reason if any
// ("what: reason"). `path` may be empty (the encoder's images have none).
std::unexpected<Error> VipsFailure(ErrorCode code, std::string_view what,
                                   const std::string& op,
                                   const std::string& path = {});

// The helpers below fail with kContentFault and libvips' reason, without an
// operation or path (the decoder or encoder calling them adds its own).

// Any image (grey, RGB16, CMYK, with or without alpha) as 8-bit sRGB with
// exactly three bands, alpha flattened onto white. Colour is converted by
// libvips' colourspace rules; ICC profiles are applied by the caller
// (vips_thumbnail's export profile) before this.
Result<VipsImagePtr> ToSrgb8(VipsImage* in);

// Shrinks `in` (Lanczos) so that its longest edge is `edge`; a reference to
// `in` itself when it is already no larger. Never enlarges.
// REQUIRES: edge >= 1.
Result<VipsImagePtr> FitWithin(VipsImage* in, int edge);

// Renders `in` (REQUIRES: 3-band uchar, e.g. from ToSrgb8) into memory.
Result<RgbImage> ToRgbImage(VipsImage* in);

}  // namespace phodex::imaging
