#pragma once
// The use cases of `phodex jobs` (and later the API's queue view): what the
// persistent job queue holds (catalog/job_queue.h, docs/serve.md "The job
// queue"), retrying and cancelling jobs, pausing and resuming kinds. The
// rules live here: which kinds are valid (one phodex knows, or one the
// queue holds), that an id a user typed must exist, what "no kind" means
// for pause and resume. None of them needs the service: they write the
// catalog, and a running `phodex serve` sees the change at its next claim.
// Thread-compatible: one thread calls, with one Library.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalog/job_queue.h"
#include "core/error.h"
#include "library/catalog_figures.h"
#include "library/library.h"

namespace phodex::library {

// The kinds of queued work phodex itself defines (docs/serve.md), sorted:
// these may be paused before any job of theirs exists.
const std::vector<std::string>& KnownJobKinds();

// --- the summary ----------------------------------------------------------

struct JobsSummaryRequest {
  // Failed jobs (with their reasons) per page, by id; 0: none.
  int64_t failed_limit = 20;
  // Cursor: failed jobs with ids after this one (the last page's `next`).
  std::optional<catalog::JobId> failed_after;
  // Only this kind's failed jobs (the counts are always every kind's).
  // kInvalidArgument when no such kind exists.
  std::optional<std::string> kind;
  // Set: the counts per kind and state come from this cache (the
  // server's, library/catalog_figures.h: at most its max_age old), for
  // the summary and to check `kind`, instead of JobQueue::CountJobs, which
  // reads every job. Unset: read now.
  FiguresCache* figures = nullptr;
};

// One kind's counts, every state present (zeros included).
struct KindSummary {
  std::string kind;
  bool paused = false;
  // Indexed by catalog::JobState.
  std::vector<int64_t> counts;
  int64_t Count(catalog::JobState state) const {
    return counts[static_cast<size_t>(state)];
  }
};

// The counts per kind (`counts` as JobQueue::CountJobs gives them), with
// every kind that is paused, by name.
std::vector<KindSummary> SummarizeKinds(
    const std::vector<catalog::JobCount>& counts,
    const std::vector<std::string>& paused);

struct JobsSummary {
  // Every kind that has jobs or is paused, by name.
  std::vector<KindSummary> kinds;
  // A page of failed jobs, by id.
  std::vector<catalog::Job> failed;
  // Set when more failed jobs may follow: the cursor for the next page.
  std::optional<catalog::JobId> next;
};
Result<JobsSummary> GetJobsSummary(Library& lib, const JobsSummaryRequest& req);

// --- retry and cancel -----------------------------------------------------

// Which jobs: those of `kind` (if set) among `ids` (if any). Every id must
// exist (kNotFound names the first that does not) and the kind must be
// valid (kInvalidArgument).
struct JobSelection {
  std::optional<std::string> kind;
  std::vector<catalog::JobId> ids;
  bool empty() const { return !kind && ids.empty(); }
};

// Failed and cancelled jobs of the selection (all of them when it is
// empty) become available again, attempts reset. Returns how many.
Result<int64_t> RetryJobs(Library& lib, const JobSelection& sel);

// Waiting jobs (available, retryable) of the selection are cancelled;
// running ones finish. kInvalidArgument for an empty selection (cancelling
// everything is never meant by accident). Returns how many.
Result<int64_t> CancelJobs(Library& lib, const JobSelection& sel);

// --- pause and resume -----------------------------------------------------

// Pauses (stops claims of) or resumes `kinds`; none: every known kind and
// every kind the queue holds. Persistent: every process and a restart see
// it; what runs finishes. Returns the kinds now in that state, sorted.
Result<std::vector<std::string>> SetJobKindsPaused(
    Library& lib, const std::vector<std::string>& kinds,
    catalog::JobQueue::Pause pause);

}  // namespace phodex::library
