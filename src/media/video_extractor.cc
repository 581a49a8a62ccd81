#include "media/metadata_extractor.h"

namespace phodex::media {

Result<MediaMetadata> ExtractVideoMetadata(const std::string& path) {
  return MakeError(ErrorCode::kUnsupported, "not written yet", "read metadata",
                   path);
}

}  // namespace phodex::media
