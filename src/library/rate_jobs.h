#pragma once
// Ratings, color labels, picks and favorites of cataloged files by id: the
// use case behind the API's POST /api/v1/ratings (docs/api.md, "Ratings").
// Each file's change is one "rate" job of the persistent queue
// (catalog/job_queue.h) at interactive priority, run by serve's job runner
// (library::FileJobs) or, where none runs, here on the calling thread;
// the job writes the change as `phodex rate` does (scan::RateFile: the XMP
// sidecar by default, or the file itself; atomic) and records the written
// file in the catalog as a scan would. What is written where is in
// docs/rating-write-back.md.
//
// The job's payload is the change as JSON (RatingEditToJson), so any
// process that runs the queue can do it. A job whose file is gone, removed
// from the catalog, not a photo, or refused by the writer (a link, a
// read-only folder, a format that cannot hold it) fails at once with its
// reason; a busy root (a scan holds it) or a parser that crashed is tried
// again, with the queue's backoff.
//
// Thread-compatible: one thread calls, with one Library.

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/job_queue.h"
#include "core/error.h"
#include "core/types.h"
#include "library/library.h"
#include "media/extractor_pool.h"
#include "media/rating_writer.h"
#include "scan/rating_update.h"

namespace phodex::library {

inline constexpr char kRateJob[] = "rate";
// The most files one request may name (docs/api.md).
inline constexpr size_t kMaxRateFiles = 10000;

// One change of what a person says about files; unset fields are left as
// they are. At least one is set.
struct RatingEdit {
  std::optional<int> stars;      // -1 (rejected) to 5
  // true: the settings' [ratings] favorite rating; false: unfavorite (as
  // `phodex fav` and `fav --off`). Not with `stars`.
  std::optional<bool> favorite;
  std::optional<std::string> label;  // a color name; "" removes it
  // kRejected also sets the rating to -1 (not with other stars); kAccepted
  // and kNone bring a rejected file back to unrated (0) unless `stars` or
  // `favorite` says otherwise.
  std::optional<media::Pick> pick;
  scan::RatingRequest::Target target = scan::RatingRequest::Target::kSidecar;
};

// The request of POST /api/v1/ratings: {"id": N} or {"ids": [...]}, and
// the change ("rating", "label", "pick", "favorite", "write"). Errors:
// kInvalidArgument saying what is wrong (not JSON, an unknown key, a
// `query` target ("not supported yet"), no id or more than kMaxRateFiles,
// an id that is not a positive integer, a value out of range, a change
// that sets nothing or contradicts itself).
struct RateFilesRequest {
  std::vector<FileId> ids;  // in order, without repeats
  RatingEdit edit;
};
Result<RateFilesRequest> ParseRateFilesRequest(std::string_view body);

// The change as a job's payload, and back (the same keys as the request).
std::string RatingEditToJson(const RatingEdit& edit);
Result<RatingEdit> RatingEditFromJson(std::string_view payload);

// Runs one "rate" job: rates `job.file` with the payload's change through
// `catalog` (the runner's connection), locking the file's root (kBusy
// when a scan holds it). `reader` reads the written file back. The
// errors a retry cannot mend are returned as kUnsupported, so the queue
// fails the job at once (see above).
Status RunRateJob(catalog::Catalog& catalog, Library& lib,
                  media::MetadataReader& reader, const catalog::Job& job);

// Runs up to `max_jobs` waiting "rate" jobs on the calling thread through
// lib.catalog(), recording each outcome; for a process without a job
// runner (tests, one-shot commands). Returns how many ran.
// REQUIRES: lib.workers().metadata is set.
Result<int64_t> RunRateJobsHere(Library& lib, int64_t max_jobs);

// Where one file stands.
struct RateFileOutcome {
  FileId file;
  std::optional<catalog::JobId> job;  // null: nothing was queued
  enum class State { kDone, kFailed, kPending } state = State::kPending;
  std::string error;  // kFailed; kPending: the last attempt's, if any
  // kDone: what was written (the sidecar or the file) and whether the
  // sidecar is new, and what the catalog holds now.
  std::string written;
  bool sidecar_created = false;
  std::optional<int> rating;
  std::optional<std::string> label;
  // What the job wrote to the pick label, when it wrote one (the catalog
  // does not keep picks).
  std::optional<media::Pick> pick;
};

struct RateFilesResult {
  bool done = false;  // every file is done or failed
  std::vector<RateFileOutcome> files;
};

struct RateFilesOptions {
  // Wakes the job runner after the jobs are queued; null: no runner, the
  // jobs run here (RunRateJobsHere) before the answer.
  std::function<void()> wake;
  // How long to wait for a runner to finish them.
  std::chrono::milliseconds wait{10000};
  // Between two looks at the jobs' states.
  std::chrono::milliseconds poll{20};
};

// Queues one "rate" job per file of `request` (files that are not present
// photos, RAWs or videos in the catalog get none and fail at once), wakes
// the runner or runs them here, then waits up to options.wait for them.
// Errors: the catalog's.
Result<RateFilesResult> RateFiles(Library& lib, const RateFilesRequest& request,
                                  const RateFilesOptions& options);

// Where the file of "rate" job `id` stands; null when there is no such
// job (or it is not a "rate" job).
Result<std::optional<RateFileOutcome>> RateJobOutcome(Library& lib,
                                                      catalog::JobId id);

// {"id", "job", "state": "done"|"failed"|"pending", "error", "written",
// "sidecar_created", "rating", "label", "pick"} (docs/api.md, "Ratings").
nlohmann::ordered_json RateFileOutcomeToJson(const RateFileOutcome& outcome);

}  // namespace phodex::library
