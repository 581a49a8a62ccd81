#include "tests/fakes/fake_watcher.h"

#include <utility>

namespace phodex::testing {

using watch::RootWatchState;
using watch::WatchEvent;

void FakeWatcher::Push(std::vector<WatchEvent> events) {
  for (WatchEvent& e : events) events_.Push(std::move(e));
}

void FakeWatcher::SetAddRootResult(RootId root, RootWatchState state) {
  util::MutexLock lock(mu_);
  state.root = root;
  results_.insert_or_assign(root, Result<RootWatchState>(std::move(state)));
}

void FakeWatcher::SetAddRootError(RootId root, Error error) {
  util::MutexLock lock(mu_);
  results_.insert_or_assign(
      root, Result<RootWatchState>(std::unexpected(std::move(error))));
}

void FakeWatcher::SetState(RootId root, RootWatchState state) {
  util::MutexLock lock(mu_);
  state.root = root;
  states_[root] = std::move(state);
}

std::vector<FakeWatcher::AddRootCall> FakeWatcher::add_root_calls() {
  util::MutexLock lock(mu_);
  return add_calls_;
}

std::vector<RootId> FakeWatcher::remove_root_calls() {
  util::MutexLock lock(mu_);
  return remove_calls_;
}

int FakeWatcher::wake_calls() {
  util::MutexLock lock(mu_);
  return wake_calls_;
}

size_t FakeWatcher::pending() { return events_.size(); }

Result<RootWatchState> FakeWatcher::AddRoot(
    RootId root, const std::string& path,
    const watch::WatchOptions& options) {
  util::MutexLock lock(mu_);
  add_calls_.push_back({root, path, options});
  RootWatchState watched;
  watched.root = root;
  watched.method = watch::WatchMethod::kInotify;
  watched.folders = 1;
  const auto it = results_.find(root);
  Result<RootWatchState> result =
      it != results_.end() ? it->second : Result<RootWatchState>(watched);
  if (result) {
    states_[root] = *result;
  } else {
    states_.erase(root);
  }
  return result;
}

void FakeWatcher::RemoveRoot(RootId root) {
  {
    util::MutexLock lock(mu_);
    remove_calls_.push_back(root);
    states_.erase(root);
  }
  events_.Forget(root);
}

std::vector<WatchEvent> FakeWatcher::Poll(size_t max,
                                          std::chrono::milliseconds timeout) {
  return events_.Poll(max, timeout);
}

void FakeWatcher::Wake() {
  {
    util::MutexLock lock(mu_);
    ++wake_calls_;
  }
  events_.Wake();
}

std::vector<RootWatchState> FakeWatcher::States() {
  util::MutexLock lock(mu_);
  std::vector<RootWatchState> out;
  for (const auto& [id, state] : states_) out.push_back(state);
  return out;
}

}  // namespace phodex::testing
