#pragma once
// A bounded multi-producer, multi-consumer queue with close() and timed
// pop, used between pipeline stages so a slow consumer applies
// back-pressure instead of letting memory grow. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace phodex::util {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  // Blocks while full. Returns false (and drops `item`) once closed.
  bool Push(T item) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_ || closed_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  enum class PopStatus { kItem, kTimeout, kClosed };

  // Waits up to `timeout` for an item. kClosed once closed and drained.
  PopStatus PopFor(std::chrono::milliseconds timeout, T* out) {
    std::unique_lock lock(mu_);
    if (!not_empty_.wait_for(lock, timeout,
                             [&] { return !items_.empty() || closed_; })) {
      return PopStatus::kTimeout;
    }
    if (items_.empty()) return PopStatus::kClosed;
    *out = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return PopStatus::kItem;
  }

  // No more pushes; consumers drain what is left.
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace phodex::util
