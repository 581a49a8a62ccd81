#pragma once
// Where the job supervisor (jobs/job_supervisor.h) runs handlers: one
// Executor per worker pool. ThreadExecutor is the real one (a fixed number
// of threads, which is the pool's parallel limit); tests pass one that runs
// the tasks when the test says, so a supervisor stepped by RunOnce on a
// fake clock never races a thread.
//
// Thread-safe: Submit may be called from any thread.

#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "util/mutex.h"

namespace phodex::jobs {

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `task` on one of the executor's threads, in submission order
  // (FIFO), some time later.
  virtual void Submit(std::function<void()> task) = 0;
};

// `threads` threads taking tasks in order. The destructor drops the tasks
// that have not started and joins the threads, so it waits for the tasks
// that are running.
class ThreadExecutor final : public Executor {
 public:
  // REQUIRES: threads >= 1.
  explicit ThreadExecutor(int threads);
  ~ThreadExecutor() override;
  ThreadExecutor(const ThreadExecutor&) = delete;
  ThreadExecutor& operator=(const ThreadExecutor&) = delete;

  void Submit(std::function<void()> task) override;

 private:
  void Loop();

  util::Mutex mu_;
  util::CondVar cv_;
  std::deque<std::function<void()>> tasks_ GUARDED_BY(mu_);
  bool done_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace phodex::jobs
