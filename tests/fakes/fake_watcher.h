#pragma once
// A Watcher whose events a test pushes by hand (watch/watcher.h; STYLE:
// watchman's tests step the loop themselves): no inotify, no threads of
// its own. AddRoot answers what the test set for the root (watched by
// inotify with one folder unless told otherwise: polled, offline, an
// error), and every AddRoot and RemoveRoot is recorded. Events are
// delivered exactly as pushed (no coalescing, no bound). Poll never
// blocks longer than asked, and returns at once when events are queued
// or after Wake(). Thread-safe.

#include <chrono>
#include <cstdint>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/types.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"
#include "watch/event_queue.h"
#include "watch/watcher.h"

namespace phodex::testing {

class FakeWatcher final : public watch::Watcher {
 public:
  struct AddRootCall {
    RootId root;
    std::string path;
    watch::WatchOptions options;
  };

  // Queues `events` for Poll and wakes a blocked Poll.
  void Push(std::vector<watch::WatchEvent> events);
  // What later AddRoots of `root` answer; `state.root` is filled in.
  void SetAddRootResult(RootId root, watch::RootWatchState state);
  void SetAddRootError(RootId root, Error error);
  // Changes an added root's state as States() reports it (it fell back
  // to polling, went offline).
  void SetState(RootId root, watch::RootWatchState state);

  std::vector<AddRootCall> add_root_calls();
  std::vector<RootId> remove_root_calls();
  int wake_calls();
  size_t pending();  // events pushed, not yet polled

  Result<watch::RootWatchState> AddRoot(
      RootId root, const std::string& path,
      const watch::WatchOptions& options) override;
  void RemoveRoot(RootId root) override;
  std::vector<watch::WatchEvent> Poll(
      size_t max, std::chrono::milliseconds timeout) override;
  void Wake() override;
  std::vector<watch::RootWatchState> States() override;

 private:
  // Unbounded, nothing coalesced: events come out exactly as pushed.
  watch::EventQueue events_{SIZE_MAX, watch::EventQueue::Coalesce::kNo};
  util::Mutex mu_;
  std::map<RootId, Result<watch::RootWatchState>> results_ GUARDED_BY(mu_);
  std::map<RootId, watch::RootWatchState> states_ GUARDED_BY(mu_);
  std::vector<AddRootCall> add_calls_ GUARDED_BY(mu_);
  std::vector<RootId> remove_calls_ GUARDED_BY(mu_);
  int wake_calls_ GUARDED_BY(mu_) = 0;
};

}  // namespace phodex::testing
