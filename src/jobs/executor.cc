#include "jobs/executor.h"

#include <utility>

#include "core/error.h"

namespace phodex::jobs {

ThreadExecutor::ThreadExecutor(int threads) {
  PHODEX_CHECK(threads >= 1);
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

ThreadExecutor::~ThreadExecutor() {
  {
    util::MutexLock lock(mu_);
    done_ = true;
    tasks_.clear();
  }
  cv_.NotifyAll();
  for (std::thread& t : threads_) t.join();
}

void ThreadExecutor::Submit(std::function<void()> task) {
  {
    util::MutexLock lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.NotifyOne();
}

void ThreadExecutor::Loop() {
  util::MutexLock lock(mu_);
  while (true) {
    while (!done_ && tasks_.empty()) cv_.Wait(mu_);
    if (done_) return;
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.Unlock();
    task();
    task = nullptr;  // whatever it holds goes before the lock is taken
    lock.Lock();
  }
}

}  // namespace phodex::jobs
