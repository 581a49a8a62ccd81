#pragma once
// The metadata stage: every new or changed photo, RAW, video and XMP
// sidecar is read by a media::MetadataReader (in a scan, the isolated
// worker pool of media/extractor_pool.h) and the result goes into
// FileUpsert::metadata. A file the parsers cannot read, crash on or hang
// on costs that file only: the reason is recorded and the scan goes on.
//
// Thread-safe (the reader is).

#include "media/extractor_pool.h"
#include "scan/stage.h"

namespace phodex::scan {

class MetadataStage final : public Stage {
 public:
  explicit MetadataStage(media::MetadataReader& reader) : reader_(reader) {}
  const char* name() const override { return "metadata"; }
  Status Process(const std::string& abs_path,
                 catalog::FileUpsert& upsert) override;

 private:
  media::MetadataReader& reader_;
};

}  // namespace phodex::scan
