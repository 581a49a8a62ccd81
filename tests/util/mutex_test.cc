// util::Mutex, MutexLock and CondVar (the annotated wrappers), and
// BoundedQueue built on them, with real threads: the tsan preset runs
// these under ThreadSanitizer.

#include "util/mutex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "util/bounded_queue.h"

namespace phodex::util {
namespace {

class Counter {
 public:
  void Add() EXCLUDES(mu_) {
    MutexLock lock(mu_);
    ++n_;
    cv_.NotifyAll();
  }
  // Waits until the count reaches `n` or `deadline` passes.
  bool WaitFor(int n, std::chrono::steady_clock::time_point deadline)
      EXCLUDES(mu_) {
    MutexLock lock(mu_);
    while (n_ < n) {
      if (!cv_.WaitUntil(mu_, deadline)) return n_ >= n;
    }
    return true;
  }
  int Get() EXCLUDES(mu_) {
    MutexLock lock(mu_);
    return n_;
  }

 private:
  Mutex mu_;
  CondVar cv_;
  int n_ GUARDED_BY(mu_) = 0;
};

TEST(Mutex, ThreadsCountTogetherAndAWaiterIsWoken) {
  Counter c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) c.Add();
    });
  }
  EXPECT_TRUE(c.WaitFor(4000, std::chrono::steady_clock::now() +
                                  std::chrono::seconds(30)));
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Get(), 4000);
}

TEST(Mutex, AWaitUntilAPastDeadlineTimesOut) {
  Counter c;
  EXPECT_FALSE(c.WaitFor(1, std::chrono::steady_clock::now() +
                                std::chrono::milliseconds(10)));
}

TEST(Mutex, TheLockCanBeLetGoForAWhile) {
  Mutex mu;
  MutexLock lock(mu);
  lock.Unlock();
  std::thread other([&] { MutexLock inner(mu); });  // would deadlock if held
  other.join();
  lock.Lock();
}

TEST(BoundedQueue, ProducersAndAConsumerAndClose) {
  BoundedQueue<int> q(2);
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(q.Push(i));
    q.Close();
  });
  int sum = 0, items = 0;
  for (;;) {
    int v = 0;
    const auto s = q.PopFor(std::chrono::milliseconds(1000), &v);
    if (s == BoundedQueue<int>::PopStatus::kClosed) break;
    if (s == BoundedQueue<int>::PopStatus::kItem) {
      sum += v;
      ++items;
    }
  }
  producer.join();
  EXPECT_EQ(items, 100);
  EXPECT_EQ(sum, 4950);
  EXPECT_FALSE(q.Push(1));  // closed
  int v = 0;
  EXPECT_EQ(q.PopFor(std::chrono::milliseconds(1), &v),
            BoundedQueue<int>::PopStatus::kClosed);
}

TEST(BoundedQueue, PopTimesOutWhenEmpty) {
  BoundedQueue<int> q(1);
  int v = 0;
  EXPECT_EQ(q.PopFor(std::chrono::milliseconds(5), &v),
            BoundedQueue<int>::PopStatus::kTimeout);
}

}  // namespace
}  // namespace phodex::util
