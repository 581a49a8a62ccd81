#include "media/metadata_extractor.h"

#include <memory>
#include <mutex>

#include "media/extractor_libs.h"
#include "media/heif_metadata.h"
#include "os/file_system.h"

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

namespace {

// Exiv2 and libavformat open files by name, and open(2) of a FIFO waits
// for a writer forever: a photo that became a FIFO after the walk would
// hold the worker until its deadline, once per scan. OpenForRead opens
// without blocking and refuses anything but a regular file. (The
// libraries then open the name again; a swap in between is still bounded
// by the worker's deadline.)
Status CheckRegularFile(const std::string& path) {
  static const std::unique_ptr<os::FileSystem> fs = os::NewPosixFileSystem();
  PHODEX_TRY(fs->OpenForRead(path, os::AccessPattern::kRandom));
  return {};
}

}  // namespace

Result<MediaMetadata> ExtractMetadata(const std::string& path,
                                      MediaKind kind) {
  if (kind != MediaKind::kOther) PHODEX_TRY(CheckRegularFile(path));
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
