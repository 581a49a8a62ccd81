#pragma once
// util::Mutex, util::MutexLock and util::CondVar: std::mutex and
// std::condition_variable with Clang's thread-safety annotations
// (util/thread_annotations.h), as abseil's absl::Mutex. Members a mutex
// guards say so with GUARDED_BY(mu_), and the tsan preset's Clang build
// checks every access.
//
// Waiting on a condition is written as a loop in the function that holds
// the lock (`while (!ready_) cv_.Wait(mu_);`), not as a predicate lambda:
// the analysis does not see into lambdas, so a lambda reading a guarded
// member would need the check turned off.
//
// All three are thread-safe (that is their purpose); none is copyable.

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "util/thread_annotations.h"

namespace phodex::util {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds `mu` from construction to destruction. Unlock()/Lock() let go of
// it for a while (e.g. around slow output) and take it back.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() RELEASE() {
    if (held_) mu_.Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // REQUIRES: held (not after Unlock() without Lock()).
  void Unlock() RELEASE() {
    mu_.Unlock();
    held_ = false;
  }
  // REQUIRES: not held (after Unlock()).
  void Lock() ACQUIRE() {
    mu_.Lock();
    held_ = true;
  }

 private:
  Mutex& mu_;
  bool held_ = true;
};

// A condition variable that waits on a util::Mutex the caller holds. Like
// std::condition_variable, a wait may return spuriously: callers loop on
// their condition.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Lets go of `mu`, waits for a Notify (or a spurious wake-up), takes
  // `mu` back.
  void Wait(Mutex& mu) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // still held: the caller's MutexLock owns it
  }

  // As Wait, until `deadline` at the latest. Returns false once the
  // deadline has passed.
  bool WaitUntil(Mutex& mu, std::chrono::steady_clock::time_point deadline)
      REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    const std::cv_status status = cv_.wait_until(lock, deadline);
    lock.release();
    return status == std::cv_status::no_timeout;
  }

  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace phodex::util
