#include "media/extractor_libs.h"
#include "media/metadata_extractor.h"

namespace phodex::media {

namespace internal {
void InitLibav() {}
}  // namespace internal

Result<MediaMetadata> ExtractVideoMetadata(const std::string& path) {
  return MakeError(ErrorCode::kUnsupported, "not written yet", "read metadata",
                   path);
}

}  // namespace phodex::media
