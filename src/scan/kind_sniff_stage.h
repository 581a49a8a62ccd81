#pragma once
// Confirms a file's kind by its first bytes (core/media_kind.h): a JPEG
// named .png is recorded as what it is, and a file whose content does not
// match its extension keeps its kind with the mismatch noted in last_error.
// Thread-safe.

#include "os/file_system.h"
#include "scan/stage.h"

namespace phodex::scan {

class KindSniffStage final : public Stage {
 public:
  explicit KindSniffStage(os::FileSystem& fs) : fs_(fs) {}
  const char* name() const override { return "sniff"; }
  Status Process(const std::string& abs_path,
                 catalog::FileUpsert& upsert) override;

 private:
  os::FileSystem& fs_;
};

}  // namespace phodex::scan
