#include "media/metadata_extractor.h"

#include <mutex>

#include "media/extractor_libs.h"
#include "media/heif_metadata.h"

namespace phodex::media {

void InitMetadataLibraries() {
  static std::once_flag once;
  std::call_once(once, [] {
    internal::InitExiv2();
    internal::InitLibav();
  });
}

Result<MediaMetadata> ExtractImageMetadata(const std::string& path) {
  return internal::ExtractWithExiv2(path, &internal::ReadHeifMetadata);
}

Result<MediaMetadata> ExtractMetadata(const std::string& path,
                                      MediaKind kind) {
  switch (kind) {
    case MediaKind::kPhoto:
    case MediaKind::kRaw:
    case MediaKind::kSidecar:
      return ExtractImageMetadata(path);
    case MediaKind::kVideo:
      return ExtractVideoMetadata(path);
    case MediaKind::kOther:
      break;
  }
  return MakeError(ErrorCode::kInvalidArgument, "not a media file",
                   "read metadata", path);
}

}  // namespace phodex::media
