#include "library/jobs.h"

#include <algorithm>
#include <map>
#include <set>

#include "util/text.h"

namespace phodex::library {
namespace {

constexpr size_t kStates = static_cast<size_t>(catalog::JobState::kCancelled) + 1;

// The kinds that exist for a user: the known ones, the queue's and the
// paused ones.
// `counts`: the counts already read, if any.
Result<std::set<std::string>> ValidKinds(
    catalog::JobQueue& q,
    const std::optional<std::vector<catalog::JobCount>>& given = {}) {
  std::set<std::string> kinds(KnownJobKinds().begin(), KnownJobKinds().end());
  std::vector<catalog::JobCount> read;
  if (!given) {
    PHODEX_ASSIGN_OR_RETURN(read, q.CountJobs());
  }
  for (const catalog::JobCount& c : given ? *given : read) kinds.insert(c.kind);
  PHODEX_ASSIGN_OR_RETURN(auto paused, q.PausedKinds());
  kinds.insert(paused.begin(), paused.end());
  return kinds;
}

Status CheckKind(
    catalog::JobQueue& q, const std::string& kind,
    const std::optional<std::vector<catalog::JobCount>>& counts = {}) {
  PHODEX_ASSIGN_OR_RETURN(const std::set<std::string> kinds,
                          ValidKinds(q, counts));
  if (kinds.contains(kind)) return {};
  std::string known;
  for (const std::string& k : kinds) known += (known.empty() ? "" : ", ") + k;
  return MakeError(ErrorCode::kInvalidArgument,
                   "unknown job kind '" + util::EscapeBytes(kind) +
                       "' (known: " + known + ")");
}

// The selection as a filter, once its kind and ids are checked.
Result<catalog::JobFilter> FilterOf(catalog::JobQueue& q,
                                    const JobSelection& sel) {
  catalog::JobFilter f;
  if (sel.kind) {
    PHODEX_TRY(CheckKind(q, *sel.kind));
    f.kind = sel.kind;
  }
  if (!sel.ids.empty()) {
    catalog::JobFilter exist;
    exist.ids = sel.ids;
    PHODEX_ASSIGN_OR_RETURN(const std::vector<catalog::Job> jobs,
                            q.ListJobs(exist));
    std::set<int64_t> found;
    for (const catalog::Job& j : jobs) found.insert(j.id.value);
    for (catalog::JobId id : sel.ids) {
      if (!found.contains(id.value)) {
        return MakeError(ErrorCode::kNotFound,
                         "no job " + std::to_string(id.value));
      }
    }
    f.ids = sel.ids;
  }
  return f;
}

}  // namespace

const std::vector<std::string>& KnownJobKinds() {
  static const std::vector<std::string> kinds = {"full_hash", "metadata",
                                                 "pixels"};
  return kinds;
}

std::vector<KindSummary> SummarizeKinds(
    const std::vector<catalog::JobCount>& counts,
    const std::vector<std::string>& paused) {
  std::map<std::string, KindSummary> kinds;
  auto kind = [&kinds](const std::string& name) -> KindSummary& {
    KindSummary& k = kinds[name];
    if (k.counts.empty()) {
      k.kind = name;
      k.counts.assign(kStates, 0);
    }
    return k;
  };
  for (const catalog::JobCount& c : counts) {
    kind(c.kind).counts[static_cast<size_t>(c.state)] += c.count;
  }
  for (const std::string& p : paused) kind(p).paused = true;
  std::vector<KindSummary> out;
  for (auto& [name, k] : kinds) out.push_back(std::move(k));
  return out;
}

Result<JobsSummary> GetJobsSummary(Library& lib, const JobsSummaryRequest& req) {
  catalog::JobQueue& q = lib.catalog();
  std::optional<std::vector<catalog::JobCount>> counts;
  if (req.figures) {
    PHODEX_ASSIGN_OR_RETURN(const auto figures, req.figures->Get(lib));
    counts = figures->jobs;
  } else {
    PHODEX_ASSIGN_OR_RETURN(counts, q.CountJobs());
  }
  if (req.kind) PHODEX_TRY(CheckKind(q, *req.kind, counts));
  PHODEX_ASSIGN_OR_RETURN(const auto paused, q.PausedKinds());
  JobsSummary out;
  out.kinds = SummarizeKinds(*counts, paused);
  if (req.failed_limit > 0) {
    catalog::JobFilter f;
    f.kind = req.kind;
    f.state = catalog::JobState::kFailed;
    f.after = req.failed_after;
    f.limit = req.failed_limit + 1;  // one more: is there a next page?
    PHODEX_ASSIGN_OR_RETURN(out.failed, q.ListJobs(f));
    if (std::ssize(out.failed) > req.failed_limit) {
      out.failed.resize(req.failed_limit);
      out.next = out.failed.back().id;
    }
  }
  return out;
}

Result<int64_t> RetryJobs(Library& lib, const JobSelection& sel) {
  PHODEX_ASSIGN_OR_RETURN(const catalog::JobFilter f,
                          FilterOf(lib.catalog(), sel));
  return lib.catalog().RetryJobs(f, lib.clock().NowUnixNs());
}

Result<int64_t> CancelJobs(Library& lib, const JobSelection& sel) {
  if (sel.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "say which jobs to cancel: a kind or ids");
  }
  PHODEX_ASSIGN_OR_RETURN(const catalog::JobFilter f,
                          FilterOf(lib.catalog(), sel));
  return lib.catalog().CancelJobs(f, lib.clock().NowUnixNs());
}

Result<std::vector<std::string>> SetJobKindsPaused(
    Library& lib, const std::vector<std::string>& kinds,
    catalog::JobQueue::Pause pause) {
  catalog::JobQueue& q = lib.catalog();
  std::set<std::string> chosen(kinds.begin(), kinds.end());
  if (kinds.empty()) {
    PHODEX_ASSIGN_OR_RETURN(chosen, ValidKinds(q));
  } else {
    for (const std::string& k : kinds) PHODEX_TRY(CheckKind(q, k));
  }
  for (const std::string& k : chosen) PHODEX_TRY(q.SetKindPaused(k, pause));
  return std::vector<std::string>(chosen.begin(), chosen.end());
}

}  // namespace phodex::library
