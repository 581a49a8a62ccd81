#pragma once
// The bounded queue between a watcher backend's reading (a thread of its
// own) and the consumer's Watcher::Poll, shared by the inotify and polling
// backends (and by both at once under the system watcher, which merges
// them into one stream). Memory stays bounded whatever the disk does:
//
//   - An event identical to the last one still queued for the same entry
//     (root, dir, name) is dropped: the IN_MODIFY flood of a big write is
//     one kModified. Only kCreated, kModified and kRemoved coalesce; moves
//     (their cookies) and the root-level kinds never do.
//   - When `capacity` events are queued, a new event is dropped and one
//     kOverflow (dir "") for its root is queued instead; the root's further
//     events are dropped until the consumer has taken that kOverflow (it
//     then rescans the whole root, which covers them: events are hints,
//     STYLE rule 15). kRootGone and kWatchLost are never dropped (few: one
//     per root or per folder that failed).
//
// Thread-safe: any thread pushes, one consumer polls.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/types.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"
#include "watch/watcher.h"

namespace phodex::watch {

class EventQueue {
 public:
  // Default capacity: 65,536 events (a few MB at most).
  static constexpr size_t kDefaultCapacity = 65536;
  // kNo keeps every event as pushed, in order: nothing coalesced, dropped
  // or replaced by an overflow, whatever the capacity
  // (tests/fakes/fake_watcher.h, whose tests count events).
  enum class Coalesce { kYes, kNo };
  explicit EventQueue(size_t capacity = kDefaultCapacity,
                      Coalesce coalesce = Coalesce::kYes);
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // Queues `event` (or coalesces or drops it, see above) and wakes Poll.
  void Push(WatchEvent event);
  // Queues a kOverflow (dir "") for `root` unless one is already queued,
  // whatever the capacity (IN_Q_OVERFLOW: the kernel lost events).
  void PushOverflow(RootId root);

  // As Watcher::Poll: up to `max` events, oldest first; waits up to
  // `timeout` for the first; empty on timeout or Wake().
  std::vector<WatchEvent> Poll(size_t max, std::chrono::milliseconds timeout);
  // Makes a blocked Poll (or, if none is blocked, the next one) return.
  void Wake();
  // Drops `root`'s queued events (Watcher::RemoveRoot).
  void Forget(RootId root);

  size_t size();
  size_t capacity() const { return capacity_; }

 private:
  // Appends `event` and records it as its entry's last.
  void AppendLocked(WatchEvent event) REQUIRES(mu_);
  bool RepeatsLastLocked(const WatchEvent& event) REQUIRES(mu_);
  void PushOverflowLocked(RootId root) REQUIRES(mu_);

  const size_t capacity_;
  const Coalesce coalesce_;
  util::Mutex mu_;
  util::CondVar cv_;
  std::deque<WatchEvent> events_ GUARDED_BY(mu_);
  uint64_t head_seq_ GUARDED_BY(mu_) = 0;  // sequence of events_.front()
  // Entry key -> sequence of its last queued event.
  std::unordered_map<std::string, uint64_t> last_ GUARDED_BY(mu_);
  std::set<RootId> overflowed_ GUARDED_BY(mu_);  // a kOverflow is queued
  bool woken_ GUARDED_BY(mu_) = false;
};

}  // namespace phodex::watch
