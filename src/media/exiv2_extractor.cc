#include <exiv2/exiv2.hpp>

#include "media/extractor_libs.h"
#include "media/metadata_extractor.h"

namespace phodex::media {

namespace internal {
void InitExiv2() { Exiv2::enableBMFF(true); }
}  // namespace internal

Result<MediaMetadata> ExtractImageMetadata(const std::string& path) {
  return MakeError(ErrorCode::kUnsupported, "not written yet", "read metadata",
                   path);
}

}  // namespace phodex::media
