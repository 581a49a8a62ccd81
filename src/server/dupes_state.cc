#include "server/dupes_state.h"

#include <cstdio>
#include <random>

#include "core/error.h"

namespace phodex::server {
namespace {

constexpr int64_t Nanos(std::chrono::seconds s) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(s).count();
}

// 128 random bits as 32 hex digits: a plan's id cannot be guessed from
// another's.
std::string RandomId() {
  std::random_device rd;
  std::string id;
  for (int i = 0; i < 4; ++i) {
    char part[9];
    std::snprintf(part, sizeof part, "%08x", static_cast<unsigned>(rd()));
    id += part;
  }
  return id;
}

}  // namespace

const char* PhaseName(DupesPlanState::Phase phase) {
  switch (phase) {
    case DupesPlanState::Phase::kPlanned:
      return "planned";
    case DupesPlanState::Phase::kApplying:
      return "applying";
    case DupesPlanState::Phase::kApplied:
      return "applied";
    case DupesPlanState::Phase::kFailed:
      return "failed";
  }
  return "planned";
}

void DupesState::DropExpired(int64_t now_ns) {
  std::erase_if(plans_, [&](const auto& kv) {
    const DupesPlanState& s = kv.second.state;
    return s.phase != DupesPlanState::Phase::kApplying &&
           s.expires_ns <= now_ns;
  });
}

std::pair<std::string, DupesPlanState> DupesState::Add(
    std::shared_ptr<const library::KnownPlan> draft, int64_t now_ns) {
  util::MutexLock l(mu_);
  DropExpired(now_ns);
  while (plans_.size() >= kMaxPlans) {
    auto oldest = plans_.end();
    for (auto it = plans_.begin(); it != plans_.end(); ++it) {
      if (it->second.state.phase == DupesPlanState::Phase::kApplying) continue;
      if (oldest == plans_.end() ||
          it->second.state.created_ns < oldest->second.state.created_ns) {
        oldest = it;
      }
    }
    if (oldest == plans_.end()) break;  // every one is being applied
    plans_.erase(oldest);
  }
  std::string id;
  do {
    id = RandomId();
  } while (plans_.count(id));
  Entry e;
  e.draft = std::move(draft);
  e.state.created_ns = now_ns;
  e.state.expires_ns = now_ns + Nanos(kPlanTtl);
  DupesPlanState state = e.state;
  plans_.emplace(id, std::move(e));
  return {id, state};
}

std::optional<DupesState::Found> DupesState::Find(std::string_view id,
                                                  int64_t now_ns) const {
  util::MutexLock l(mu_);
  auto it = plans_.find(id);
  if (it == plans_.end()) return std::nullopt;
  const DupesPlanState& s = it->second.state;
  if (s.phase == DupesPlanState::Phase::kPlanned && s.expires_ns <= now_ns) {
    return std::nullopt;
  }
  return Found{it->second.draft, s};
}

DupesState::Claimed DupesState::BeginApply(std::string_view id,
                                           int64_t now_ns) {
  util::MutexLock l(mu_);
  auto it = plans_.find(id);
  if (it == plans_.end()) return {Claim::kUnknown, nullptr};
  DupesPlanState& s = it->second.state;
  switch (s.phase) {
    case DupesPlanState::Phase::kApplying:
      return {Claim::kApplying, nullptr};
    case DupesPlanState::Phase::kApplied:
      return {Claim::kAlreadyApplied, nullptr};
    case DupesPlanState::Phase::kPlanned:
    case DupesPlanState::Phase::kFailed:
      break;
  }
  if (s.expires_ns <= now_ns) return {Claim::kUnknown, nullptr};
  s.phase = DupesPlanState::Phase::kApplying;
  s.error.clear();
  return {Claim::kOk, it->second.draft};
}

DupesPlanState DupesState::FinishApply(
    std::string_view id, std::shared_ptr<const library::DupesApplied> applied) {
  util::MutexLock l(mu_);
  auto it = plans_.find(id);
  PHODEX_CHECK(it != plans_.end());  // kept while kApplying
  DupesPlanState& s = it->second.state;
  s.phase = DupesPlanState::Phase::kApplied;
  s.applied = std::move(applied);
  return s;
}

void DupesState::AbortApply(std::string_view id, std::string error) {
  util::MutexLock l(mu_);
  auto it = plans_.find(id);
  if (it == plans_.end()) return;
  it->second.state.phase = DupesPlanState::Phase::kFailed;
  it->second.state.error = std::move(error);
}

std::optional<int64_t> DupesState::UnhashedTwins(int64_t now_ns) const {
  util::MutexLock l(mu_);
  if (!twins_ || now_ns - twins_at_ns_ >= Nanos(kSummaryTtl) ||
      now_ns < twins_at_ns_) {
    return std::nullopt;
  }
  return twins_;
}

void DupesState::SetUnhashedTwins(int64_t count, int64_t now_ns) {
  util::MutexLock l(mu_);
  twins_ = count;
  twins_at_ns_ = now_ns;
}

}  // namespace phodex::server
