#include "media/metadata_worker.h"

#include <exception>
#include <new>

#include "media/metadata_extractor.h"

namespace phodex::media {
namespace {

Result<MediaMetadata> ExtractCatchingAll(const std::string& path,
                                         MediaKind kind) {
  try {
    return ExtractMetadata(path, kind);
  } catch (const std::bad_alloc&) {
    return MakeError(ErrorCode::kInternal, "parser ran out of memory",
                     "read metadata", path);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kContentFault, e.what(), "read metadata", path);
  }
}

}  // namespace

InProcessMetadataReader::InProcessMetadataReader() { InitMetadataLibraries(); }

Result<MediaMetadata> InProcessMetadataReader::Read(const std::string& path,
                                                    MediaKind kind) {
  return ExtractCatchingAll(path, kind);
}

int RunExtractorWorker() {
  InitMetadataLibraries();
  return os::ServeWorkerRequests(
      os::WorkerHeap::kKeepBuffers, [](std::string_view body) {
        if (body.empty()) {
          return EncodeMetadataReply(MakeError(
              ErrorCode::kInvalidArgument, "empty request", "read metadata"));
        }
        const auto kind = static_cast<MediaKind>(body[0]);
        const std::string path(body.substr(1));
        os::ApplyWorkerFaultsForTesting(path);
        return EncodeMetadataReply(ExtractCatchingAll(path, kind));
      });
}

}  // namespace phodex::media
