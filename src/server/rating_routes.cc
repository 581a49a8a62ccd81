// Ratings, color labels, picks and favorites (docs/api.md, "Ratings"):
//   POST /api/v1/ratings               rate files by id, as jobs
//   GET  /api/v1/ratings/jobs/{job}    where one of those jobs stands
// The work is library::RateFiles (library/rate_jobs.h): one "rate" job per
// file at interactive priority, run by serve's job runner (woken through
// Api::JobsQueued), or here when there is none (tests).

#include <charconv>
#include <string>

#include "library/rate_jobs.h"
#include "server/api.h"
#include "server/problem.h"
#include "server/routes.h"

namespace phodex::server {
namespace {

// How soon a client that got 202 should look again.
constexpr char kRetryAfterSeconds[] = "1";

Response RateFiles(Call& call) {
  auto request = library::ParseRateFilesRequest(call.request.body);
  if (!request) return BadRequest(request.error().message());
  library::RateFilesOptions options;
  options.wait = call.api.hooks().interactive_wait;
  if (call.api.hooks().jobs_queued) {
    options.wake = [&api = call.api] { api.JobsQueued(); };
  }
  auto result = library::RateFiles(call.lib, *request, options);
  if (!result) return ProblemFor(result.error());
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  int64_t done = 0, failed = 0, pending = 0;
  for (const library::RateFileOutcome& f : result->files) {
    using State = library::RateFileOutcome::State;
    (f.state == State::kDone     ? done
     : f.state == State::kFailed ? failed
                                 : pending)++;
    files.push_back(library::RateFileOutcomeToJson(f));
  }
  Response r = Json({{"done", result->done},
                     {"counts",
                      {{"done", done}, {"failed", failed}, {"pending", pending}}},
                     {"files", std::move(files)}},
                    result->done ? 200 : 202);
  if (!result->done) r.With("Retry-After", kRetryAfterSeconds);
  return r;
}

Response RateJob(Call& call) {
  const std::string_view text = call.request.Param("job");
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    return NotFound("no such rating job");
  }
  auto outcome = library::RateJobOutcome(call.lib, catalog::JobId{id});
  if (!outcome) return ProblemFor(outcome.error());
  if (!*outcome) return NotFound("no such rating job");
  Response r = Json(library::RateFileOutcomeToJson(**outcome));
  if ((*outcome)->state == library::RateFileOutcome::State::kPending) {
    r.With("Retry-After", kRetryAfterSeconds);
  }
  return r;
}

}  // namespace

void AddRatingRoutes(Router& r) {
  r.Post("/api/v1/ratings", RateFiles);
  r.Get("/api/v1/ratings/jobs/{job}", RateJob);
}

}  // namespace phodex::server
