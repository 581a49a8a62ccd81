#pragma once
// The metadata parsers' side of media/extractor_pool.h: the parsers called
// in this process (tests, the worker itself, and the benchmark of what the
// isolation costs) and the worker's main loop. Built into the decoder
// module (app/decoders.h), not into the phodex binary, which loads it only
// when it reads metadata.

#include <string>

#include "media/extractor_pool.h"

namespace phodex::media {

// Calls the parsers in this process. Not safe on hostile files.
class InProcessMetadataReader final : public MetadataReader {
 public:
  InProcessMetadataReader();
  Result<MediaMetadata> Read(const std::string& path, MediaKind kind) override;
};

// The worker's main loop (`phodex __metadata-worker`): reads requests on
// stdin, answers on stdout, until stdin ends. Returns the exit status.
int RunExtractorWorker();

}  // namespace phodex::media
