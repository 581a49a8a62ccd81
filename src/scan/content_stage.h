#pragma once
// The content stage: one open and (normally) two reads of each new or
// changed file give the kind check (first bytes against the extension,
// core/media_kind.h) and the quick hash (media/hasher.h). With full
// hashing on, the same open streams the whole file for XXH3-128 (and
// SHA-256 on request). Metadata extraction joins this read in a later
// issue.
//
// Thread-safe.

#include "media/hasher.h"
#include "os/file_system.h"
#include "scan/stage.h"

namespace phodex::scan {

struct ContentOptions {
  // Stream every byte for the full hash (`scan --full-hash`). Off by
  // default: a first scan of a 6 TB drive must not read 6 TB.
  bool full_hash = false;
  // Also SHA-256 (`--sha256`), for checks against other tools.
  bool sha256 = false;
};

class ContentStage final : public Stage {
 public:
  ContentStage(os::FileSystem& fs, ContentOptions options)
      : fs_(fs), options_(options) {}
  const char* name() const override { return "content"; }
  Status Process(const std::string& abs_path,
                 catalog::FileUpsert& upsert) override;

 private:
  os::FileSystem& fs_;
  const ContentOptions options_;
};

}  // namespace phodex::scan
