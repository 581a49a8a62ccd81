#pragma once
// A bounded multi-producer, multi-consumer queue with close() and timed
// pop, used between pipeline stages so a slow consumer applies
// back-pressure instead of letting memory grow. Thread-safe.

#include <chrono>
#include <deque>
#include <optional>

#include "util/mutex.h"

namespace phodex::util {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  // Blocks while full. Returns false (and drops `item`) once closed.
  bool Push(T item) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    while (items_.size() >= capacity_ && !closed_) not_full_.Wait(mu_);
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.NotifyOne();
    return true;
  }

  enum class PopStatus { kItem, kTimeout, kClosed };

  // Waits up to `timeout` for an item. kClosed once closed and drained.
  PopStatus PopFor(std::chrono::milliseconds timeout, T* out) EXCLUDES(mu_) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    MutexLock lock(mu_);
    while (items_.empty() && !closed_) {
      if (!not_empty_.WaitUntil(mu_, deadline)) break;
    }
    if (items_.empty()) {
      return closed_ ? PopStatus::kClosed : PopStatus::kTimeout;
    }
    *out = std::move(items_.front());
    items_.pop_front();
    not_full_.NotifyOne();
    return PopStatus::kItem;
  }

  // No more pushes; consumers drain what is left.
  void Close() EXCLUDES(mu_) {
    MutexLock lock(mu_);
    closed_ = true;
    not_full_.NotifyAll();
    not_empty_.NotifyAll();
  }

 private:
  const size_t capacity_;
  Mutex mu_;
  CondVar not_full_;
  CondVar not_empty_;
  std::deque<T> items_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace phodex::util
