#pragma once
// What the duplicate routes (server/dupes_routes.cc) keep between calls,
// in Api: the plans made by POST /api/v1/duplicates/plans until they are
// applied or expire, and the count of size twins still without a full hash
// (a scan of the catalog's size index: kept kSummaryTtl). In memory only:
// a restart forgets every plan (docs/api.md, "Duplicates").
// Thread-safe.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "library/dupes.h"
#include "library/duplicate_groups.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace phodex::server {

// Where a stored plan stands.
struct DupesPlanState {
  enum class Phase {
    kPlanned,
    kApplying,
    kApplied,
    kFailed
  } phase = Phase::kPlanned;
  int64_t created_ns = 0;
  int64_t expires_ns = 0;
  // Set once applied: what was done, and the operation that recorded it.
  std::shared_ptr<const library::DupesApplied> applied;
  std::string error;  // kFailed: why the apply could not run
};
const char* PhaseName(DupesPlanState::Phase phase);

class DupesState {
 public:
  static constexpr size_t kMaxPlans = 64;
  static constexpr std::chrono::seconds kPlanTtl{3600};
  static constexpr std::chrono::seconds kSummaryTtl{60};

  // Stores `draft` under a new random id (32 hex digits), made at `now_ns`.
  // Expired plans go first; when kMaxPlans remain, the oldest one that is
  // not being applied. Returns the id and the plan's state.
  std::pair<std::string, DupesPlanState> Add(
      std::shared_ptr<const library::KnownPlan> draft, int64_t now_ns);

  struct Found {
    std::shared_ptr<const library::KnownPlan> draft;
    DupesPlanState state;
  };
  // The plan `id`, unless unknown or expired (a plan being applied or
  // applied does not expire while kept).
  std::optional<Found> Find(std::string_view id, int64_t now_ns) const;

  enum class Claim { kOk, kUnknown, kAlreadyApplied, kApplying };
  struct Claimed {
    Claim claim = Claim::kUnknown;
    std::shared_ptr<const library::KnownPlan> draft;  // set for kOk
  };
  // Marks plan `id` kApplying, once: a plan is applied at most once (one
  // whose apply could not run may be applied again).
  Claimed BeginApply(std::string_view id, int64_t now_ns);
  // Records how the apply ended and returns the plan's state (REQUIRES:
  // BeginApply said kOk; the plan is kept while kApplying).
  DupesPlanState FinishApply(
      std::string_view id,
      std::shared_ptr<const library::DupesApplied> applied);
  // The apply could not run (locks, journal): the plan may be applied
  // again later.
  void AbortApply(std::string_view id, std::string error);

  // The kept count of unhashed size twins, when younger than kSummaryTtl.
  std::optional<int64_t> UnhashedTwins(int64_t now_ns) const;
  void SetUnhashedTwins(int64_t count, int64_t now_ns);

 private:
  struct Entry {
    std::shared_ptr<const library::KnownPlan> draft;
    DupesPlanState state;
  };
  void DropExpired(int64_t now_ns) REQUIRES(mu_);

  mutable util::Mutex mu_;
  std::map<std::string, Entry, std::less<>> plans_ GUARDED_BY(mu_);
  std::optional<int64_t> twins_ GUARDED_BY(mu_);
  int64_t twins_at_ns_ GUARDED_BY(mu_) = 0;
};

}  // namespace phodex::server
