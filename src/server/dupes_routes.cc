// /api/v1/duplicates: the exact groups the catalog knows (paged by hash),
// similar groups within a folder (capped), and plans of clean-up actions
// that are stored, shown and applied once (docs/api.md, "Duplicates").
// Nothing is changed on disk but by POST .../plans/{id}/apply, which runs
// in the request (a queued job is a later step), bounded by the plan's
// size (library/duplicate_groups.h).

#include <charconv>
#include <string>
#include <string_view>

#include "library/dupes.h"
#include "library/duplicate_groups.h"
#include "library/similar.h"
#include "server/api.h"
#include "server/problem.h"
#include "server/routes.h"
#include "util/time_format.h"

namespace phodex::server {
namespace {

using JsonValue = nlohmann::ordered_json;

constexpr int64_t kDefaultGroups = 50;
constexpr int64_t kMaxGroups = 200;
constexpr int64_t kDefaultSimilarGroups = 100;
constexpr int64_t kMaxSimilarGroups = 500;
constexpr int kMaxThreshold = 32;

// A whole decimal integer in [lo, hi], or nullopt.
std::optional<int64_t> ParseInt(std::string_view s, int64_t lo, int64_t hi) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < lo ||
      v > hi) {
    return std::nullopt;
  }
  return v;
}

// Query parameter `name` as an integer in [lo, hi]; `def` when absent.
// Sets `bad` to a 400 when it is not one.
std::optional<int64_t> IntParam(const Request& req, std::string_view name,
                                int64_t lo, int64_t hi, int64_t def,
                                std::optional<Response>& bad) {
  const auto v = req.Query(name);
  if (!v) return def;
  auto n = ParseInt(*v, lo, hi);
  if (!n) {
    bad = BadRequest(std::string(name) + " must be a whole number from " +
                     std::to_string(lo) + " to " + std::to_string(hi));
  }
  return n;
}

// A cursor or group id: the 32 hex digits of a content hash.
std::optional<ContentHash> HashParam(std::string_view s) {
  if (s.size() != 32) return std::nullopt;
  return ContentHash::FromHex(s);
}

int64_t Now(Call& call) { return call.lib.clock().NowUnixNs(); }

JsonValue HashOrNull(const std::optional<ContentHash>& h) {
  return h ? JsonValue(h->ToHex()) : JsonValue(nullptr);
}

// The size twins without a full hash, kept DupesState::kSummaryTtl.
Result<int64_t> UnhashedTwins(Call& call) {
  const int64_t now = Now(call);
  if (auto kept = call.api.dupes().UnhashedTwins(now)) return *kept;
  PHODEX_ASSIGN_OR_RETURN(int64_t n, library::CountUnhashedSizeTwins(call.lib));
  call.api.dupes().SetUnhashedTwins(n, now);
  return n;
}

Response ListExact(Call& call) {
  const Request& req = call.request;
  std::optional<Response> bad;
  const auto limit = IntParam(req, "limit", 1, kMaxGroups, kDefaultGroups, bad);
  if (bad) return *bad;
  std::optional<ContentHash> after;
  if (const auto c = req.Query("cursor"); c && !c->empty()) {
    after = HashParam(*c);
    if (!after) return BadRequest("cursor: not one this API gave");
  }
  auto page = library::ListKnownDuplicates(call.lib, after,
                                           static_cast<size_t>(*limit));
  if (!page) return ProblemFor(page.error());
  auto twins = UnhashedTwins(call);
  if (!twins) return ProblemFor(twins.error());
  JsonValue j;
  j["groups"] = JsonValue::array();
  for (const library::KnownGroup& g : page->groups) {
    j["groups"].push_back(
        library::KnownGroupToJson(g, page->roots, page->thumbs_key));
  }
  j["next_cursor"] = HashOrNull(page->next);
  j["unhashed_twins"] = *twins;
  return Json(j);
}

Response ListSimilar(Call& call) {
  const Request& req = call.request;
  std::optional<Response> bad;
  library::SimilarScopeRequest sr;
  const auto limit =
      IntParam(req, "limit", 1, kMaxSimilarGroups, kDefaultSimilarGroups, bad);
  const auto threshold = IntParam(req, "threshold", 0, kMaxThreshold, -1, bad);
  const auto root = IntParam(req, "root", 1, INT64_MAX, 0, bad);
  if (bad) return *bad;
  if (*threshold >= 0) sr.threshold = static_cast<int>(*threshold);
  if (*root > 0) sr.root = RootId{*root};
  if (const auto folder = req.Query("folder"); folder && !folder->empty()) {
    if (!sr.root) return BadRequest("folder needs root");
    sr.folder = std::string(*folder);
  }
  if (const auto pairs = req.Query("include_pairs")) {
    if (*pairs != "true" && *pairs != "false") {
      return BadRequest("include_pairs must be true or false");
    }
    sr.include_pairs = *pairs == "true";
  }
  auto r = library::FindSimilarInScope(call.lib, sr, {});
  if (!r) return ProblemFor(r.error());
  JsonValue j;
  j["groups"] = JsonValue::array();
  for (size_t i = 0; i < r->groups.size() && i < static_cast<size_t>(*limit);
       ++i) {
    j["groups"].push_back(
        library::SimilarRowsGroupToJson(r->groups[i], r->thumbs_key));
  }
  j["groups_total"] = r->groups.size();
  j["distinct_photos"] = r->distinct_photos;
  j["files_read"] = r->files_read;
  j["truncated"] = r->truncated;
  j["threshold"] = r->threshold;
  return Json(j);
}

// --- Plans -------------------------------------------------------------------

// The plan's JSON: what GET .../plans/{id} and the POSTs answer.
JsonValue PlanToJson(const std::string& id, const library::KnownPlan& plan,
                     const DupesPlanState& st) {
  JsonValue j;
  j["id"] = id;
  j["state"] = PhaseName(st.phase);
  j["created"] = util::Rfc3339Utc(st.created_ns);
  j["expires"] = util::Rfc3339Utc(st.expires_ns);
  j["error"] = st.error.empty() ? JsonValue(nullptr) : JsonValue(st.error);
  j.update(library::KnownPlanToJson(plan, st.applied.get()));
  return j;
}

// Reads the body of POST .../plans into `out`; a 400 when it is not one.
std::optional<Response> ParsePlanBody(const std::string& body,
                                      library::KnownPlanRequest& out,
                                      std::string& keep) {
  const auto j =
      nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return BadRequest("the body must be a JSON object");
  }
  for (const char* key : {"action", "keep"}) {
    if (j.contains(key) && !j[key].is_string()) {
      return BadRequest(std::string(key) + ": a string");
    }
  }
  keep = j.value("keep", std::string("oldest"));
  auto action = library::ParseApiAction(j.value("action", std::string()), keep);
  if (!action) return ProblemFor(action.error());
  out.action = *action;
  if (j.contains("all") && !j["all"].is_boolean()) {
    return BadRequest("all: true or false");
  }
  const bool all = j.value("all", false);
  if (all == j.contains("groups")) {
    return BadRequest("give either groups (hashes) or \"all\": true");
  }
  if (all) {
    out.scope = library::KnownPlanRequest::Scope::kAll;
    if (j.contains("cursor") && !j["cursor"].is_null()) {
      if (!j["cursor"].is_string()) return BadRequest("cursor: a string");
      out.after = HashParam(j["cursor"].get<std::string>());
      if (!out.after) return BadRequest("cursor: not one this API gave");
    }
    return std::nullopt;
  }
  const auto& groups = j["groups"];
  if (!groups.is_array() || groups.empty() ||
      groups.size() > library::kPlanMaxGroups) {
    return BadRequest("groups: 1 to " +
                      std::to_string(library::kPlanMaxGroups) +
                      " group hashes");
  }
  for (const auto& g : groups) {
    std::optional<ContentHash> h;
    if (g.is_string()) h = HashParam(g.get<std::string>());
    if (!h) return BadRequest("groups: each a group's hash (32 hex digits)");
    out.hashes.push_back(*h);
  }
  return std::nullopt;
}

Response CreatePlan(Call& call) {
  library::KnownPlanRequest request;
  std::string keep;
  if (auto bad = ParsePlanBody(call.request.body, request, keep)) return *bad;
  auto planned = library::PlanKnownDuplicates(call.lib, request);
  if (!planned) return ProblemFor(planned.error());
  planned->keep = std::move(keep);
  auto draft = std::make_shared<const library::KnownPlan>(std::move(*planned));
  const auto [id, state] = call.api.dupes().Add(draft, Now(call));
  return Json(PlanToJson(id, *draft, state), 201)
      .With("Location", "/api/v1/duplicates/plans/" + id);
}

// A plan id as Add makes them; anything else is no plan.
bool WellFormedId(std::string_view id) {
  return id.size() == 32 &&
         id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

Response GetPlan(Call& call) {
  const std::string_view id = call.request.Param("id");
  std::optional<DupesState::Found> found;
  if (WellFormedId(id)) found = call.api.dupes().Find(id, Now(call));
  if (!found) return NotFound("no plan " + std::string(id.substr(0, 64)));
  return Json(PlanToJson(std::string(id), *found->draft, found->state));
}

Response ApplyPlan(Call& call) {
  const std::string id(call.request.Param("id"));
  DupesState& state = call.api.dupes();
  const DupesState::Claimed claimed = WellFormedId(id)
                                          ? state.BeginApply(id, Now(call))
                                          : DupesState::Claimed{};
  switch (claimed.claim) {
    case DupesState::Claim::kUnknown:
      return NotFound("no plan " + id.substr(0, 64));
    case DupesState::Claim::kAlreadyApplied:
      return Problem(409, "conflict", "Conflict",
                     "this plan was applied already: make a new one");
    case DupesState::Claim::kApplying:
      return Problem(409, "busy", "Busy", "this plan is being applied");
    case DupesState::Claim::kOk:
      break;
  }
  const library::KnownPlan& draft = *claimed.draft;
  library::SettledCounter sink;
  auto applied =
      library::DupesApplyPlan(call.lib, draft.plan, draft.action, sink, {});
  if (!applied) {
    state.AbortApply(id, applied.error().ToString());
    return ProblemFor(applied.error());
  }
  const DupesPlanState done = state.FinishApply(
      id, std::make_shared<const library::DupesApplied>(std::move(*applied)));
  JsonValue j = PlanToJson(id, draft, done);
  j["journal_settled"] = sink.settled();
  return Json(j);
}

}  // namespace

void AddDupesRoutes(Router& r) {
  r.Get("/api/v1/duplicates/exact", ListExact);
  r.Get("/api/v1/duplicates/similar", ListSimilar);
  r.Post("/api/v1/duplicates/plans", CreatePlan);
  r.Get("/api/v1/duplicates/plans/{id}", GetPlan);
  r.Post("/api/v1/duplicates/plans/{id}/apply", ApplyPlan);
}

}  // namespace phodex::server
