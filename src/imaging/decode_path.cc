// The names of imaging/decoder.h's decode paths: used by the catalog's
// readers (show, ls --json), which need no decoder.

#include "imaging/decoder.h"

namespace phodex::imaging {

const char* DecodePathName(DecodePath p) {
  switch (p) {
    case DecodePath::kLibvips:
      return "libvips";
    case DecodePath::kRawPreview:
      return "raw_preview";
    case DecodePath::kRawHalfSize:
      return "raw_half_size";
    case DecodePath::kVideoFrame:
      return "video_frame";
  }
  return "unknown";
}

}  // namespace phodex::imaging
