#pragma once
// The hook where per-file work plugs into the scan: every new or changed
// file passes through the stages, in order, before it is written. Metadata
// and hashing (media/) and pixels (imaging/) come in as stages; this issue
// ships the content stage (scan/content_stage.h).
//
// Implementations must be thread-safe: Process() runs concurrently on the
// walker's threads.

#include <string>

#include "catalog/catalog.h"
#include "core/error.h"

namespace phodex::scan {

// Version of the set of content stages a full scan runs. Stored per file
// (files.content_version); bump it when a stage is added or changes what
// it records, and the next scan hands every file to the stages once more.
// A scan without the metadata stage (no reader given) records the lower
// version, so the next scan with metadata reads those files once more.
inline constexpr int kContentStagesVersion = 3;  // 2: quick hash, 3: metadata
inline constexpr int kContentStagesVersionNoMetadata = 2;

class Stage {
 public:
  virtual ~Stage() = default;
  // Short name for metrics and error records ("sniff", "metadata").
  virtual const char* name() const = 0;
  // Fills in what this stage knows about the file at `abs_path` into
  // `upsert` (whose rel, stat and kind are set). An error costs this file
  // only: it is recorded with its reason and the scan goes on. kNotFound
  // means the file vanished since it was listed; it is then not added.
  // kContentFault and kUnsupported are facts about the content (a file no
  // parser reads): the file counts as processed and is not tried again
  // until it changes. Other errors (permissions, I/O, a crashed or hung
  // worker, out of memory) are retried by the next scan
  // (scan/retry_policy.h).
  virtual Status Process(const std::string& abs_path,
                         catalog::FileUpsert& upsert) = 0;
};

}  // namespace phodex::scan
