#include "watch/settle_tracker.h"

#include <limits>
#include <optional>

namespace phodex::watch {
namespace {

bool SameFile(const FileStat& a, const FileStat& b) {
  return a.size == b.size && a.mtime == b.mtime && a.ctime == b.ctime &&
         a.ino == b.ino;
}

// `time` as Unix ns; nullopt past what int64 ns holds (year 2262).
std::optional<int64_t> ToNanos(const FileTime& time) {
  constexpr int64_t kNsPerSec = 1'000'000'000;
  constexpr int64_t kMaxSec = std::numeric_limits<int64_t>::max() / kNsPerSec;
  if (time.sec >= kMaxSec || time.sec <= -kMaxSec) return std::nullopt;
  return time.sec * kNsPerSec + time.nsec;
}

}  // namespace

SettleTracker::SettleTracker(SettleOptions options) : options_(options) {}

SettleVerdict SettleTracker::Check(RootId root, const std::string& rel,
                                   const FileStat& stat, int64_t now_ns) {
  return Check(root, rel, stat, now_ns, options_.clocks);
}

SettleVerdict SettleTracker::Check(RootId root, const std::string& rel,
                                   const FileStat& stat, int64_t now_ns,
                                   SettleOptions::Clocks clocks) {
  const int64_t settle = options_.settle.count();
  const auto key = std::make_pair(root, rel);
  auto it = looks_.find(key);
  if (it == looks_.end() || !SameFile(it->second.stat, stat)) {
    // A first look, or the file changed since the last: the wait starts
    // over from this stat.
    it = looks_.insert_or_assign(key, Look{stat, now_ns, now_ns}).first;
  } else {
    it->second.last_ns = now_ns;
  }
  const Look& look = it->second;
  // When this stat has been unchanged since: its first look, or, on a
  // local clock, its ctime if earlier. The kernel sets ctime from this
  // machine's clock on every write and attribute change (utimensat cannot
  // set it), so a ctime `settle` in the past means nothing touched the
  // file for `settle`, whatever a single look cannot otherwise tell. A
  // ctime in the future (the clock stepped back) proves nothing.
  int64_t stable_since = look.first_ns;
  if (clocks == SettleOptions::Clocks::kLocal) {
    if (std::optional<int64_t> ctime = ToNanos(stat.ctime);
        ctime && *ctime < stable_since) {
      stable_since = *ctime;
    }
  }
  const int64_t ready_ns = stable_since + settle;
  if (ready_ns <= now_ns) {
    looks_.erase(it);
    return SettleVerdict{.settled = true};
  }
  return SettleVerdict{.settled = false, .retry_at_ns = ready_ns};
}

void SettleTracker::Sweep(RootId root, const std::string& rel_dir,
                          int64_t before_ns) {
  const std::string below = rel_dir.empty() ? rel_dir : rel_dir + "/";
  for (auto it = looks_.lower_bound(std::make_pair(root, below));
       it != looks_.end() && it->first.first == root &&
       it->first.second.starts_with(below);) {
    it = it->second.last_ns < before_ns ? looks_.erase(it) : std::next(it);
  }
}

void SettleTracker::Forget(RootId root) {
  auto it = looks_.lower_bound(std::make_pair(root, std::string()));
  while (it != looks_.end() && it->first.first == root) it = looks_.erase(it);
}

size_t SettleTracker::waiting() const { return looks_.size(); }

}  // namespace phodex::watch
