// The bounded queue between a watcher backend and Poll: coalescing,
// overflow, forgetting a root. No threads.

#include "watch/event_queue.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace phodex::watch {
namespace {

using Kind = WatchEvent::Kind;

WatchEvent Event(Kind kind, int64_t root, std::string name,
                 uint32_t cookie = 0) {
  WatchEvent e;
  e.kind = kind;
  e.root = RootId{root};
  e.name = std::move(name);
  e.cookie = cookie;
  return e;
}

std::vector<Kind> Kinds(EventQueue& q) {
  std::vector<Kind> out;
  for (const WatchEvent& e : q.Poll(1000, std::chrono::milliseconds(0))) {
    out.push_back(e.kind);
  }
  return out;
}

TEST(EventQueue, RepeatsOfTheLastEventOfAnEntryAreDropped) {
  EventQueue q;
  q.Push(Event(Kind::kCreated, 1, "a"));
  for (int i = 0; i < 100; ++i) q.Push(Event(Kind::kModified, 1, "a"));
  q.Push(Event(Kind::kModified, 1, "b"));
  q.Push(Event(Kind::kRemoved, 1, "a"));
  q.Push(Event(Kind::kModified, 1, "a"));  // not a repeat of the last
  EXPECT_EQ(Kinds(q),
            (std::vector<Kind>{Kind::kCreated, Kind::kModified,
                               Kind::kModified, Kind::kRemoved,
                               Kind::kModified}));
  // Once taken, the same event is news again.
  q.Push(Event(Kind::kModified, 1, "a"));
  EXPECT_EQ(Kinds(q), std::vector<Kind>{Kind::kModified});
}

TEST(EventQueue, MovesAreNeverCoalesced) {
  EventQueue q;
  q.Push(Event(Kind::kMovedTo, 1, "a", 5));
  q.Push(Event(Kind::kMovedTo, 1, "a", 5));
  EXPECT_EQ(Kinds(q).size(), 2u);
}

TEST(EventQueue, AFullQueueGivesOneOverflowPerRoot) {
  EventQueue q(3);
  for (int i = 0; i < 10; ++i) {
    q.Push(Event(Kind::kCreated, 1, "f" + std::to_string(i)));
    q.Push(Event(Kind::kCreated, 2, "f" + std::to_string(i)));
  }
  WatchEvent gone = Event(Kind::kRootGone, 2, "");
  q.Push(gone);  // vital: kept whatever the capacity
  const std::vector<WatchEvent> events =
      q.Poll(1000, std::chrono::milliseconds(0));
  ASSERT_EQ(events.size(), 6u);  // 3 events, 2 overflows, 1 root gone
  EXPECT_EQ(events[3].kind, Kind::kOverflow);
  EXPECT_EQ(events[3].root, RootId{2});
  EXPECT_EQ(events[4].kind, Kind::kOverflow);
  EXPECT_EQ(events[4].root, RootId{1});
  EXPECT_EQ(events[5].kind, Kind::kRootGone);
  // The overflow taken, the root's events are queued again.
  q.Push(Event(Kind::kCreated, 1, "later"));
  EXPECT_EQ(Kinds(q), std::vector<Kind>{Kind::kCreated});
}

TEST(EventQueue, ARootsEventsAfterItsOverflowAreCoveredByIt) {
  EventQueue q;
  q.PushOverflow(RootId{1});
  q.PushOverflow(RootId{1});
  q.Push(Event(Kind::kCreated, 1, "a"));
  q.Push(Event(Kind::kCreated, 2, "b"));
  EXPECT_EQ(Kinds(q), (std::vector<Kind>{Kind::kOverflow, Kind::kCreated}));
}

TEST(EventQueue, ForgetDropsOneRootsEvents) {
  EventQueue q;
  q.Push(Event(Kind::kCreated, 1, "a"));
  q.Push(Event(Kind::kCreated, 2, "b"));
  q.Push(Event(Kind::kModified, 2, "b"));
  q.Forget(RootId{1});
  q.Push(Event(Kind::kModified, 2, "b"));  // still a repeat
  const std::vector<WatchEvent> events =
      q.Poll(1000, std::chrono::milliseconds(0));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].root, RootId{2});
}

TEST(EventQueue, VerbatimModeKeepsEverything) {
  EventQueue q(1, EventQueue::Coalesce::kNo);
  for (int i = 0; i < 3; ++i) q.Push(Event(Kind::kModified, 1, "a"));
  q.PushOverflow(RootId{1});
  EXPECT_EQ(Kinds(q).size(), 4u);
}

TEST(EventQueue, PollWaitsAtMostItsTimeoutAndWakes) {
  EventQueue q;
  EXPECT_TRUE(q.Poll(10, std::chrono::milliseconds(1)).empty());
  q.Wake();
  EXPECT_TRUE(q.Poll(10, std::chrono::hours(1)).empty());
}

}  // namespace
}  // namespace phodex::watch
