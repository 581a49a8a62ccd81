#pragma once
// The use case of `phodex rate` and `phodex fav` (and later the API's
// rating): writes a rating to cataloged files (an XMP sidecar, or into the
// file) and records each write as a scan would (scan/rating_update.h), as
// one "rate" operation. The rules live here: the favorite's rating comes
// from the settings, each file's root is locked (and held to the end) so
// a scan of that root waits, and the run stops between two files when
// cancelled. Thread-compatible: one thread calls, with one Library.

#include <string>
#include <vector>

#include "catalog/locks.h"
#include "core/error.h"
#include "jobs/cancel_token.h"
#include "library/library.h"
#include "scan/rating_update.h"

namespace phodex::library {

struct RateRequest {
  // Files as typed (each a present photo, RAW or video in a root).
  std::vector<std::string> paths;
  // kStars: `stars` (-1 rejected, 0..5); kFavorite / kUnfavorite: the
  // settings' [ratings] favorite / unfavorite.
  enum class Rating { kStars, kFavorite, kUnfavorite } rating = Rating::kStars;
  int stars = 0;
  // Into an XMP sidecar (named by the settings' [ratings] sidecar_naming
  // when new) or into the file itself (JPEG, TIFF, DNG).
  scan::RatingRequest::Target target = scan::RatingRequest::Target::kSidecar;
  // kYes: wait for a scan that holds a root's lock; kNo: refuse (kBusy).
  catalog::Locks::Wait wait = catalog::Locks::Wait::kNo;
};

// One rated file.
struct RatedFile {
  std::string written_path;  // the sidecar or the file itself
  bool created = false;      // a new sidecar
  int rating = 0;            // -1 rejected, 0..5
};

// Told about each file, in order, as it is done. Called on the calling
// thread.
class RateSink {
 public:
  virtual ~RateSink() = default;
  virtual void Rated(const RatedFile& file) = 0;
  // A file that was not rated (not cataloged, not a photo, a write that
  // failed); the run goes on with the next.
  virtual void Failed(const Error& error) = 0;
};

struct RateResult {
  OperationId op;
  int rating = 0;          // what was written
  int64_t rated = 0;
  int64_t errors = 0;      // files not rated
  bool interrupted = false;  // stopped by `cancel`
};

// How new sidecars are named: the settings' [ratings] sidecar_naming.
media::SidecarOptions SidecarOptionsFor(const Config& config);

// Rates `request.paths` in order, recorded as one "rate" operation
// (completed; failed "some files were not rated" when a file failed;
// interrupted). Errors: kBusy when a root is being scanned and `wait` is
// kNo ("root 'NAME' is being scanned by another phodex process; use
// --wait"; the operation ends failed "root busy", the files before it
// stay rated), the metadata workers' start, the catalog's.
// REQUIRES: lib.workers().metadata is set.
Result<RateResult> Rate(Library& lib, const RateRequest& request,
                        RateSink& sink, const jobs::CancelToken& cancel);

}  // namespace phodex::library
