#include <exiv2/exiv2.hpp>

#include "media/metadata_extractor.h"

namespace phodex::media {

void InitMetadataLibraries() { Exiv2::enableBMFF(true); }

Result<MediaMetadata> ExtractImageMetadata(const std::string& path) {
  return MakeError(ErrorCode::kUnsupported, "not written yet", "read metadata",
                   path);
}

}  // namespace phodex::media
