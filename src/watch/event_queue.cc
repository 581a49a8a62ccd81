#include "watch/event_queue.h"

#include <utility>

namespace phodex::watch {
namespace {

using Kind = WatchEvent::Kind;

std::string EntryKey(const WatchEvent& e) {
  std::string key = std::to_string(e.root.value);
  key += '\0';
  key += e.dir;
  key += '\0';
  key += e.name;
  return key;
}

bool Coalesces(Kind kind) {
  return kind == Kind::kCreated || kind == Kind::kModified ||
         kind == Kind::kRemoved;
}

// Never dropped: what they say cannot be rebuilt from a rescan.
bool IsVital(Kind kind) {
  return kind == Kind::kRootGone || kind == Kind::kWatchLost;
}

}  // namespace

EventQueue::EventQueue(size_t capacity, Coalesce coalesce)
    : capacity_(capacity), coalesce_(coalesce) {}

bool EventQueue::RepeatsLastLocked(const WatchEvent& event) {
  if (!Coalesces(event.kind)) return false;
  const auto it = last_.find(EntryKey(event));
  if (it == last_.end()) return false;
  const WatchEvent& last = events_[it->second - head_seq_];
  return last.kind == event.kind && last.entry == event.entry &&
         last.cookie == event.cookie;
}

void EventQueue::AppendLocked(WatchEvent event) {
  const uint64_t seq = head_seq_ + events_.size();
  if (Coalesces(event.kind)) last_[EntryKey(event)] = seq;
  events_.push_back(std::move(event));
  cv_.NotifyAll();
}

void EventQueue::PushOverflowLocked(RootId root) {
  if (!overflowed_.insert(root).second) return;
  WatchEvent overflow;
  overflow.kind = Kind::kOverflow;
  overflow.root = root;
  AppendLocked(std::move(overflow));
}

void EventQueue::Push(WatchEvent event) {
  util::MutexLock lock(mu_);
  if (coalesce_ == Coalesce::kNo) {
    AppendLocked(std::move(event));
    return;
  }
  if (event.kind == Kind::kOverflow && event.dir.empty()) {
    PushOverflowLocked(event.root);
    return;
  }
  const bool vital = IsVital(event.kind);
  // A whole-root rescan is queued: it covers this event.
  if (!vital && overflowed_.count(event.root)) return;
  if (RepeatsLastLocked(event)) return;
  if (!vital && events_.size() >= capacity_) {
    PushOverflowLocked(event.root);
    return;
  }
  AppendLocked(std::move(event));
}

void EventQueue::PushOverflow(RootId root) {
  util::MutexLock lock(mu_);
  PushOverflowLocked(root);
}

std::vector<WatchEvent> EventQueue::Poll(size_t max,
                                         std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  util::MutexLock lock(mu_);
  while (events_.empty() && !woken_) {
    if (!cv_.WaitUntil(mu_, deadline)) break;
  }
  woken_ = false;
  std::vector<WatchEvent> out;
  while (!events_.empty() && out.size() < max) {
    WatchEvent& e = events_.front();
    if (e.kind == Kind::kOverflow && e.dir.empty()) overflowed_.erase(e.root);
    if (Coalesces(e.kind)) {
      const auto it = last_.find(EntryKey(e));
      if (it != last_.end() && it->second == head_seq_) last_.erase(it);
    }
    out.push_back(std::move(e));
    events_.pop_front();
    ++head_seq_;
  }
  return out;
}

void EventQueue::Wake() {
  util::MutexLock lock(mu_);
  woken_ = true;
  cv_.NotifyAll();
}

void EventQueue::Forget(RootId root) {
  util::MutexLock lock(mu_);
  std::deque<WatchEvent> kept;
  for (WatchEvent& e : events_) {
    if (e.root != root) kept.push_back(std::move(e));
  }
  events_.clear();
  last_.clear();
  for (WatchEvent& e : kept) AppendLocked(std::move(e));
  overflowed_.erase(root);
}

size_t EventQueue::size() {
  util::MutexLock lock(mu_);
  return events_.size();
}

}  // namespace phodex::watch
