#pragma once
// `phodex rate` and `phodex fav` below the command line: writes a rating
// back to a cataloged file (XMP sidecar by default, or embedded) through
// media/rating_writer.h, then records the written file in the catalog the
// way a scan would (same content and metadata stages), so the next scan
// sees it unchanged: an edit phodex made is not a foreign edit.
//
// Thread-compatible.

#include <string>

#include "catalog/catalog.h"
#include "core/error.h"
#include "media/extractor_pool.h"
#include "media/rating_writer.h"
#include "os/file_system.h"

namespace phodex::scan {

struct RatingRequest {
  // What to write: the rating (-1 rejected, 0..5), the color label, the
  // pick label (media/rating_writer.h).
  media::RatingChange change;
  enum class Target { kSidecar, kEmbed } target = Target::kSidecar;
  media::SidecarOptions sidecar;  // naming of new sidecars
};

struct RatingResult {
  std::string written_path;  // the sidecar or the file itself
  bool created = false;      // a new sidecar
};

// Rates the present file `file` (a row of `root`) and records the write in
// the catalog (catalog::RatingWrite: the file read again, as a scan of it
// would record it). `op`, the caller's rate operation, is not written to:
// its counts are the caller's to finish with. On error nothing is recorded and
// the user's files are as they were (the writers are atomic). Nothing is
// written outside `root`: a file whose folder now resolves elsewhere (a
// folder replaced by a symlink since the scan, or reached through one)
// fails with kInvalidArgument, as does a sidecar or photo that is itself
// a symlink or not a regular file (media/rating_writer.h).
Result<RatingResult> RateFile(catalog::Catalog& catalog, os::FileSystem& fs,
                              media::MetadataReader& reader,
                              const catalog::Root& root,
                              const catalog::FileRow& file,
                              const RatingRequest& request, OperationId op,
                              int64_t now_ns);

}  // namespace phodex::scan
