// The job queue (docs/api.md, "Jobs"): counts per kind and state with what
// is paused (the JSON of `phodex jobs --json`), failed jobs with their
// reasons (keyset-paged), retry and cancel by kind or ids, pause and
// resume of background work: the use cases of `phodex jobs`
// (library/jobs.h), their JSON library/job_output.h's.

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "library/job_output.h"
#include "library/jobs.h"
#include "server/api.h"
#include "server/paging.h"
#include "server/problem.h"
#include "server/routes.h"

namespace phodex::server {
namespace {

// The first page of failed jobs /jobs shows (as `phodex jobs`).
constexpr int64_t kSummaryFailed = 20;
constexpr int64_t kDefaultLimit = 50;
constexpr int64_t kMaxLimit = 500;
// Ids one retry or cancel may name.
constexpr size_t kMaxIds = 10000;
constexpr size_t kMaxKindBytes = 64;

// A kind named by ?kind= or {"kind"}: non-empty, short.
Result<std::optional<std::string>> KindOf(std::optional<std::string_view> kind) {
  if (!kind) return std::optional<std::string>();
  if (kind->empty() || kind->size() > kMaxKindBytes) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "kind must be a job kind's name");
  }
  return std::optional<std::string>(std::string(*kind));
}

// The body of a write: a JSON object with only the `allowed` keys (a
// misspelt key must not widen a retry to every job). Empty body: {}.
Result<nlohmann::json> BodyObject(const Request& rq,
                                  std::initializer_list<std::string_view> allowed) {
  if (rq.body.empty()) return nlohmann::json::object();
  nlohmann::json j = nlohmann::json::parse(rq.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the body must be a JSON object");
  }
  for (const auto& [key, value] : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "unknown field '" + key + "' in the body");
    }
  }
  return j;
}

Result<std::optional<std::string>> BodyKind(const nlohmann::json& body) {
  const auto it = body.find("kind");
  if (it == body.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) {
    return MakeError(ErrorCode::kInvalidArgument, "kind must be a string");
  }
  return KindOf(it->get_ref<const std::string&>());
}

// {"kind": .., "ids": [..]}: library::JobSelection.
Result<library::JobSelection> SelectionOf(const Request& rq) {
  PHODEX_ASSIGN_OR_RETURN(const nlohmann::json body,
                          BodyObject(rq, {"kind", "ids"}));
  library::JobSelection sel;
  PHODEX_ASSIGN_OR_RETURN(sel.kind, BodyKind(body));
  const auto ids = body.find("ids");
  if (ids == body.end() || ids->is_null()) return sel;
  if (!ids->is_array() || ids->size() > kMaxIds) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "ids must be an array of at most " +
                         std::to_string(kMaxIds) + " job ids");
  }
  for (const nlohmann::json& id : *ids) {
    if (!id.is_number_unsigned() || id.get<uint64_t>() == 0 ||
        id.get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()}) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "ids must be positive integers below 2^63");
    }
    sel.ids.push_back(catalog::JobId{static_cast<int64_t>(id.get<uint64_t>())});
  }
  if (sel.ids.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "ids is empty");
  }
  return sel;
}

Response Summary(Call& call) {
  library::JobsSummaryRequest req;
  req.failed_limit = kSummaryFailed;
  req.figures = &call.api.figures();
  auto summary = library::GetJobsSummary(call.lib, req);
  if (!summary) return ProblemFor(summary.error());
  return Json(nlohmann::ordered_json::parse(
      library::JobsSummaryToJson(*summary).dump()));
}

Response Failed(Call& call) {
  const Request& rq = call.request;
  library::JobsSummaryRequest req;
  req.figures = &call.api.figures();
  auto limit = ParseLimit(rq, kDefaultLimit, kMaxLimit);
  if (!limit) return ProblemFor(limit.error());
  req.failed_limit = *limit;
  auto cursor = ParseCursor(rq);
  if (!cursor) return ProblemFor(cursor.error());
  if (*cursor) req.failed_after = catalog::JobId{**cursor};
  auto kind = KindOf(rq.Query("kind"));
  if (!kind) return ProblemFor(kind.error());
  req.kind = *kind;
  auto summary = library::GetJobsSummary(call.lib, req);
  if (!summary) return ProblemFor(summary.error());
  std::optional<int64_t> next;
  if (summary->next) next = summary->next->value;
  return Json(PageJson("failed", summary->failed, library::JobToJson, next));
}

// Whether what a write changed may give the runner work.
enum class Runnable { kYes, kNo };

// Retry or cancel: `fn` is library::RetryJobs or CancelJobs; the answer is
// {`field`: how many}.
template <typename Fn>
Response Change(Call& call, Fn fn, const char* field, Runnable runnable) {
  auto sel = SelectionOf(call.request);
  if (!sel) return ProblemFor(sel.error());
  auto n = fn(call.lib, *sel);
  if (!n) return ProblemFor(n.error());
  call.api.figures().Invalidate();
  if (runnable == Runnable::kYes && *n > 0) call.api.JobsQueued();
  return Json({{field, *n}});
}

Response SetPaused(Call& call, catalog::JobQueue::Pause pause) {
  auto body = BodyObject(call.request, {"kind"});
  if (!body) return ProblemFor(body.error());
  auto kind = BodyKind(*body);
  if (!kind) return ProblemFor(kind.error());
  std::vector<std::string> kinds;
  if (*kind) kinds.push_back(**kind);
  auto done = library::SetJobKindsPaused(call.lib, kinds, pause);
  if (!done) return ProblemFor(done.error());
  call.api.figures().Invalidate();
  const bool paused = pause == catalog::JobQueue::Pause::kPaused;
  if (!paused) call.api.JobsQueued();
  return Json({{paused ? "paused" : "resumed", *done}});
}

}  // namespace

void AddJobRoutes(Router& r) {
  r.Get("/api/v1/jobs", Summary);
  r.Get("/api/v1/jobs/failed", Failed);
  r.Post("/api/v1/jobs/retry", [](Call& call) {
    return Change(call, library::RetryJobs, "retried", Runnable::kYes);
  });
  r.Post("/api/v1/jobs/cancel", [](Call& call) {
    return Change(call, library::CancelJobs, "cancelled", Runnable::kNo);
  });
  r.Post("/api/v1/jobs/pause", [](Call& call) {
    return SetPaused(call, catalog::JobQueue::Pause::kPaused);
  });
  r.Post("/api/v1/jobs/resume", [](Call& call) {
    return SetPaused(call, catalog::JobQueue::Pause::kResumed);
  });
}

}  // namespace phodex::server
