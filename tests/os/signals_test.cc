// os/signals.h: SIGINT, SIGTERM and SIGHUP taken on a thread of their own
// (what `phodex serve` stops and reloads on), never by a handler that
// would end the process.

#include "os/signals.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace phodex::os {
namespace {

// Restores the test thread's signal mask (Start blocks the three).
class SignalThreadTest : public ::testing::Test {
 protected:
  void SetUp() override { pthread_sigmask(SIG_SETMASK, nullptr, &saved_); }
  void TearDown() override { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }

  // What the handler saw, on which thread.
  struct Seen {
    std::mutex mu;
    std::vector<ProcessSignal> signals;
    std::vector<std::thread::id> threads;
  };
  static bool WaitFor(Seen& seen, size_t n) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard l(seen.mu);
        if (seen.signals.size() >= n) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  sigset_t saved_;
};

TEST_F(SignalThreadTest, CallsTheHandlerOnItsThreadForEachSignal) {
  Seen seen;
  auto thread = SignalThread::Start([&](ProcessSignal s) {
    std::lock_guard l(seen.mu);
    seen.signals.push_back(s);
    seen.threads.push_back(std::this_thread::get_id());
  });
  ASSERT_TRUE(thread) << thread.error().ToString();
  // One at a time: the kernel merges two pending signals of one kind.
  const std::pair<int, ProcessSignal> cases[] = {
      {SIGHUP, ProcessSignal::kHangUp},
      {SIGTERM, ProcessSignal::kTerminate},
      {SIGINT, ProcessSignal::kInterrupt},
      {SIGHUP, ProcessSignal::kHangUp},
  };
  for (size_t i = 0; i < std::size(cases); ++i) {
    ASSERT_EQ(::kill(::getpid(), cases[i].first), 0);
    ASSERT_TRUE(WaitFor(seen, i + 1)) << "signal " << cases[i].first;
  }
  std::lock_guard l(seen.mu);
  for (size_t i = 0; i < std::size(cases); ++i) {
    EXPECT_EQ(seen.signals[i], cases[i].second) << i;
    EXPECT_NE(seen.threads[i], std::this_thread::get_id()) << i;
  }
}

TEST_F(SignalThreadTest, StopsPromptlyAndLeavesTheSignalsBlocked) {
  int calls = 0;
  {
    auto thread = SignalThread::Start([&](ProcessSignal) { ++calls; });
    ASSERT_TRUE(thread) << thread.error().ToString();
  }
  EXPECT_EQ(calls, 0);
  // Blocked still: a SIGTERM now stays pending instead of ending the test.
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    EXPECT_EQ(sigismember(&mask, sig), 1) << sig;
  }
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGTERM), 1);
  // Take it, so that restoring the mask does not deliver it.
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  int got = 0;
  ASSERT_EQ(sigwait(&term, &got), 0);
  EXPECT_EQ(got, SIGTERM);
}

TEST(ProcessSignalName, NamesEachSignal) {
  EXPECT_STREQ(ProcessSignalName(ProcessSignal::kInterrupt), "SIGINT");
  EXPECT_STREQ(ProcessSignalName(ProcessSignal::kTerminate), "SIGTERM");
  EXPECT_STREQ(ProcessSignalName(ProcessSignal::kHangUp), "SIGHUP");
}

}  // namespace
}  // namespace phodex::os
