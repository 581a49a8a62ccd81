#pragma once
// The scan's writer: the only user of the catalog while a walk runs. It
// takes folder results from a bounded queue and commits them through the
// BatchWriter (scan/batch_writer.h), also when no folder arrives, so a
// batch never waits longer than its max_delay; on a catalog error it keeps
// draining, so the walkers never block.
//
// WriteLoop is one step of that loop (STYLE rule 13): tests drive it by
// hand with a fake clock; WriterThread runs it on its own thread.
//
// Thread-safety: WriteLoop is single-threaded except failed(), which any
// thread may read. WriterThread: construct, Finish() and error() from one
// thread; failed() from any.

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "core/error.h"
#include "scan/batch_writer.h"
#include "scan/change_detector.h"
#include "util/bounded_queue.h"

namespace phodex::scan {

using ChangesQueue = util::BoundedQueue<DirChanges>;

class WriteLoop {
 public:
  // Both borrowed; they outlive the loop.
  WriteLoop(ChangesQueue& queue, BatchWriter& writer)
      : queue_(queue), writer_(writer) {}

  enum class Step {
    kWrote,  // a folder's changes went to the writer
    kIdle,   // none came within `wait`; an old batch may have been committed
    kDone,   // the queue is closed and drained, the last batch committed
  };
  // Waits up to `wait` for one folder's changes. After kDone, returns kDone.
  Step RunOnce(std::chrono::milliseconds wait);

  bool failed() const { return failed_.load(std::memory_order_acquire); }
  // REQUIRES: failed(), read by the loop's thread or after it was joined.
  const Error& error() const { return *error_; }

 private:
  void Fail(const Status& st);

  ChangesQueue& queue_;
  BatchWriter& writer_;
  bool done_ = false;
  std::atomic<bool> failed_{false};
  std::optional<Error> error_;  // written before failed_ is set
};

class WriterThread {
 public:
  // Starts the thread. The queue and writer outlive it.
  WriterThread(ChangesQueue& queue, BatchWriter& writer);
  ~WriterThread() { Finish(); }
  WriterThread(const WriterThread&) = delete;
  WriterThread& operator=(const WriterThread&) = delete;

  // Closes the queue, waits for the last commit.
  void Finish();
  bool failed() const { return loop_.failed(); }
  // REQUIRES: Finish() returned and failed().
  const Error& error() const { return loop_.error(); }

 private:
  // How long the loop waits for a folder before it looks at the batch's
  // age (BatchWriterOptions::max_delay is 250 ms by default).
  static constexpr std::chrono::milliseconds kTick{50};

  ChangesQueue& queue_;
  WriteLoop loop_;
  std::thread thread_;
};

}  // namespace phodex::scan
