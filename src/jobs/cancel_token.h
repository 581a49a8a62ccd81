#pragma once
// Cancellation, passed down to every piece of long work (a scan, a verify,
// a dupes apply, later a job of `phodex serve`'s queue). A CancelToken is
// a read-only view of a flag that a CancelSource (or the interrupt handler,
// os/process.h) sets; the work checks it between units (a file, a batch)
// and winds down: it commits what it has and ends its operation
// "interrupted". A default token is never cancelled.
//
// Thread-safe: any thread may check a token while another sets the flag.
// The flag must outlive every token made from it.

#include <atomic>

namespace phodex::jobs {

class CancelToken {
 public:
  // Never cancelled.
  CancelToken() = default;
  // Cancelled once `flag` is set (e.g. os::InstallInterruptHandler()'s).
  explicit CancelToken(const std::atomic<bool>& flag) : flag_(&flag) {}

  bool cancelled() const {
    return flag_ != nullptr && flag_->load(std::memory_order_relaxed);
  }
  // The flag itself, for interfaces that poll a `const std::atomic<bool>*`
  // (null for a default token).
  const std::atomic<bool>* flag() const { return flag_; }

 private:
  const std::atomic<bool>* flag_ = nullptr;
};

// Owns a flag and hands out tokens for it: what a service uses to stop one
// job (the interrupt handler's flag stops a whole one-shot command).
class CancelSource {
 public:
  CancelSource() = default;
  CancelSource(const CancelSource&) = delete;
  CancelSource& operator=(const CancelSource&) = delete;

  void Cancel() { flag_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return flag_.load(std::memory_order_relaxed); }
  CancelToken token() const { return CancelToken(flag_); }

 private:
  std::atomic<bool> flag_{false};
};

}  // namespace phodex::jobs
