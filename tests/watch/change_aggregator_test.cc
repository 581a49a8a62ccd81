#include "watch/change_aggregator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace phodex::watch {

// How gtest prints work in failures.
void PrintTo(const SyncWork& work, std::ostream* os) {
  static constexpr const char* kKinds[] = {"kFolder", "kTree", "kRename",
                                           "kReconcile"};
  *os << "{" << kKinds[static_cast<int>(work.kind)] << " root "
      << work.root.value << " '" << work.rel << "'";
  if (!work.from.empty()) *os << " from '" << work.from << "'";
  *os << " " << SyncReasonName(work.reason) << "}";
}

namespace {

using Kind = WatchEvent::Kind;
using Entry = WatchEvent::Entry;
using Work = SyncWork::Kind;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kStartNs = 1'000'000'000'000;  // any monotonic origin
constexpr RootId kRoot{1};
constexpr RootId kOtherRoot{2};

int64_t At(int64_t ms) { return kStartNs + ms * kMs; }

WatchEvent Event(Kind kind, std::string dir, std::string name,
                 Entry entry = Entry::kFile, uint32_t cookie = 0,
                 RootId root = kRoot) {
  WatchEvent event;
  event.kind = kind;
  event.root = root;
  event.dir = std::move(dir);
  event.name = std::move(name);
  event.entry = entry;
  event.cookie = cookie;
  return event;
}

// `count` distinct new files in `dir`: file0.jpg, file1.jpg, ...
std::vector<WatchEvent> NewFiles(const std::string& dir, int count) {
  std::vector<WatchEvent> events;
  for (int i = 0; i < count; ++i) {
    events.push_back(
        Event(Kind::kCreated, dir, "file" + std::to_string(i) + ".jpg"));
  }
  return events;
}

std::vector<WatchEvent> Concat(std::vector<std::vector<WatchEvent>> parts) {
  std::vector<WatchEvent> all;
  for (auto& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

SyncWork W(Work kind, std::string rel, SyncReason reason = SyncReason::kWatch,
           std::string from = "", RootId root = kRoot) {
  return SyncWork{.kind = kind,
                  .root = root,
                  .rel = std::move(rel),
                  .from = std::move(from),
                  .reason = reason};
}

// Work and the time (ms after the start) it came out.
struct Out {
  int64_t at_ms = 0;
  SyncWork work;
  friend bool operator==(const Out&, const Out&) = default;
};
void PrintTo(const Out& out, std::ostream* os) {
  *os << "@" << out.at_ms << "ms ";
  PrintTo(out.work, os);
}

struct Step {
  int64_t at_ms = 0;
  std::vector<WatchEvent> events;
};

// Runs `steps` as the service would: events are added at their time, and
// work is taken whenever NextDueNs says (which must then give some).
std::vector<Out> Drive(ChangeAggregator& aggregator,
                       const std::vector<Step>& steps) {
  std::vector<Out> out;
  auto take_until = [&](std::optional<int64_t> limit_ns) {
    while (std::optional<int64_t> next = aggregator.NextDueNs()) {
      if (limit_ns && *next > *limit_ns) break;
      std::vector<SyncWork> works = aggregator.TakeDue(*next);
      EXPECT_FALSE(works.empty()) << "nothing due at NextDueNs";
      if (works.empty()) break;
      for (SyncWork& work : works) {
        out.push_back(Out{(*next - kStartNs) / kMs, std::move(work)});
      }
    }
  };
  for (const Step& step : steps) {
    take_until(At(step.at_ms));
    aggregator.Add(step.events, At(step.at_ms));
  }
  take_until(std::nullopt);
  return out;
}

// `event` every `step_ms` from `from_ms` to `to_ms`.
std::vector<Step> Every(int64_t from_ms, int64_t to_ms, int64_t step_ms,
                        const WatchEvent& event) {
  std::vector<Step> steps;
  for (int64_t ms = from_ms; ms <= to_ms; ms += step_ms) {
    steps.push_back(Step{ms, {event}});
  }
  return steps;
}

// `work` every `step_ms` from `from_ms` to `to_ms`.
std::vector<Out> EveryOut(int64_t from_ms, int64_t to_ms, int64_t step_ms,
                          const SyncWork& work) {
  std::vector<Out> out;
  for (int64_t ms = from_ms; ms <= to_ms; ms += step_ms) {
    out.push_back(Out{ms, work});
  }
  return out;
}

struct Case {
  std::string name;
  std::vector<Step> steps;
  std::vector<Out> expected;
};

std::vector<Case> Cases() {
  const SyncReason kOverflow = SyncReason::kOverflow;
  return {
      // A window from the folder's first event, not a debounce: a burst
      // is one listing `delay` after it began.
      {"BurstIsOneFolderAfterTheDelayFromItsFirstEvent",
       {{0, {Event(Kind::kCreated, "album", "a.jpg")}},
        {500, {Event(Kind::kModified, "album", "a.jpg")}},
        {1500, {Event(Kind::kCreated, "album", "b.jpg")}}},
       {{2000, W(Work::kFolder, "album")}}},
      {"PolledFolderIsAFolder",
       {{0, {Event(Kind::kModified, "a", "")}},
        {1000, {Event(Kind::kModified, "a", "")}}},
       {{2000, W(Work::kFolder, "a")}}},
      {"TwoFoldersAreTwoWorks",
       {{0, {Event(Kind::kCreated, "a", "x.jpg")}},
        {1000, {Event(Kind::kCreated, "b", "y.jpg")}}},
       {{2000, W(Work::kFolder, "a")}, {3000, W(Work::kFolder, "b")}}},
      {"RepeatedNamesAreNoStorm",
       {{0,
         std::vector<WatchEvent>(500, Event(Kind::kModified, "a", "x.jpg"))}},
       {{2000, W(Work::kFolder, "a")}}},
      {"FolderStormBoundary128IsAFolder",
       {{0, NewFiles("album", 128)}},
       {{2000, W(Work::kFolder, "album")}}},
      {"FolderStorm129IsATree",
       {{0, NewFiles("album", 129)}},
       {{2000, W(Work::kTree, "album")}}},
      {"StormInTheTopFolderIsAReconcile",
       {{0, NewFiles("", 129)}},
       {{2000, W(Work::kReconcile, "")}}},
      {"RootStorm512IsFolders",
       {{0, Concat({NewFiles("a", 128), NewFiles("b", 128), NewFiles("c", 128),
                    NewFiles("d", 128)})}},
       {{2000, W(Work::kFolder, "a")},
        {2000, W(Work::kFolder, "b")},
        {2000, W(Work::kFolder, "c")},
        {2000, W(Work::kFolder, "d")}}},
      {"RootStorm513IsOneReconcile",
       {{0, Concat({NewFiles("a", 128), NewFiles("b", 128), NewFiles("c", 128),
                    NewFiles("d", 128)})},
        {1000, {Event(Kind::kCreated, "e", "one.jpg")}},
        {1500, {Event(Kind::kRemoved, "f", "two.jpg")}}},
       {{2000, W(Work::kReconcile, "")}}},
      {"DeleteAloneWaitsTheHold",
       {{0, {Event(Kind::kRemoved, "album", "a.jpg")}}},
       {{10000, W(Work::kFolder, "album")}}},
      {"FileMovedOutWaitsTheHold",
       {{0, {Event(Kind::kMovedFrom, "album", "a.jpg", Entry::kFile, 3)}}},
       {{10000, W(Work::kFolder, "album")}}},
      {"DeleteThenOtherNewsIsTheNormalDelay",
       {{0, {Event(Kind::kRemoved, "album", "a.jpg")}},
        {1000, {Event(Kind::kCreated, "album", "b.jpg")}}},
       {{2000, W(Work::kFolder, "album")}}},
      {"EditorSaveIsOneFolderWithoutHold",
       {{0, {Event(Kind::kCreated, "album", ".photo.jpg.tmp")}},
        {100, {Event(Kind::kModified, "album", ".photo.jpg.tmp")}},
        {200,
         {Event(Kind::kMovedFrom, "album", ".photo.jpg.tmp", Entry::kFile, 7),
          Event(Kind::kMovedTo, "album", "photo.jpg", Entry::kFile, 7)}}},
       {{2000, W(Work::kFolder, "album")}}},
      {"RenameOverOnlyIsNoDelete",
       {{0,
         {Event(Kind::kMovedFrom, "album", "x.tmp", Entry::kFile, 8),
          Event(Kind::kMovedTo, "album", "x.jpg", Entry::kFile, 8)}}},
       {{2000, W(Work::kFolder, "album")}}},
      {"FileMovedBetweenFoldersIsChangeInBoth",
       {{0, {Event(Kind::kMovedFrom, "a", "x.jpg", Entry::kFile, 4)}},
        {10, {Event(Kind::kMovedTo, "b", "x.jpg", Entry::kFile, 4)}}},
       {{2000, W(Work::kFolder, "a")}, {2010, W(Work::kFolder, "b")}}},
      {"FolderRenameGoesFirstAndCarriesWorkUnderIt",
       {{0, {Event(Kind::kModified, "old/sub", "x.jpg")}},
        {500,
         {Event(Kind::kMovedFrom, "", "old", Entry::kFolder, 11),
          Event(Kind::kMovedTo, "", "new", Entry::kFolder, 11)}}},
       {{500, W(Work::kRename, "new", SyncReason::kWatch, "old")},
        {2000, W(Work::kFolder, "new/sub")},
        {2500, W(Work::kFolder, "")}}},
      {"FolderMovedBetweenFoldersIsARename",
       {{0,
         {Event(Kind::kMovedFrom, "2024", "trip", Entry::kFolder, 12),
          Event(Kind::kMovedTo, "2025/summer", "trip", Entry::kFolder, 12)}}},
       {{0,
         W(Work::kRename, "2025/summer/trip", SyncReason::kWatch, "2024/trip")},
        {2000, W(Work::kFolder, "2024")},
        {2000, W(Work::kFolder, "2025/summer")}}},
      {"FolderMovedOutIsItsParentAndItsTreeAfterTheHold",
       {{0, {Event(Kind::kMovedFrom, "photos", "album", Entry::kFolder, 9)}}},
       {{10000, W(Work::kFolder, "photos")},
        {10000, W(Work::kTree, "photos/album")}}},
      {"FolderRemovedIsItsParentAndItsTreeAfterTheHold",
       {{0,
         {Event(Kind::kRemoved, "photos/album", "a.jpg"),
          Event(Kind::kRemoved, "photos", "album", Entry::kFolder)}}},
       {{10000, W(Work::kTree, "photos/album")},
        {10000, W(Work::kFolder, "photos")}}},
      {"NewFolderIsATreeOfIt",
       {{0, {Event(Kind::kCreated, "photos", "new", Entry::kFolder)}},
        {1000, {Event(Kind::kCreated, "photos/new", "a.jpg")}},
        {1500, {Event(Kind::kCreated, "photos/new/deeper", "b.jpg")}}},
       {{2000, W(Work::kFolder, "photos")},
        {2000, W(Work::kTree, "photos/new")}}},
      {"FolderMovedInIsATreeOfIt",
       {{0, {Event(Kind::kMovedTo, "", "import", Entry::kFolder, 13)}}},
       {{2000, W(Work::kFolder, "")}, {2000, W(Work::kTree, "import")}}},
      {"CopyOfABigNewFolderIsOneTree",
       {{0, {Event(Kind::kCreated, "", "import", Entry::kFolder)}},
        {100, NewFiles("import", 5000)},
        {200, NewFiles("import/raw", 5000)}},
       {{2000, W(Work::kFolder, "")}, {2000, W(Work::kTree, "import")}}},
      // A folder written to without a pause is looked at every `delay`
      // (what is still being written waits in the settle check).
      {"ContinuousEventsComeOutEveryDelay",
       Every(0, 99000, 1000, Event(Kind::kModified, "a", "video.mov")),
       EveryOut(2000, 100000, 2000, W(Work::kFolder, "a"))},
      {"WorkUnderAFolderMovedAwayWaitsForItsPartner",
       {{0, {Event(Kind::kModified, "album/sub", "x.jpg")}},
        {500, {Event(Kind::kMovedFrom, "", "album", Entry::kFolder, 5)}}},
       {{10500, W(Work::kTree, "album")}, {10500, W(Work::kFolder, "")}}},
      {"WorkUnderAFolderMovedAwayFollowsIt",
       {{0, {Event(Kind::kModified, "album/sub", "x.jpg")}},
        {500, {Event(Kind::kMovedFrom, "", "album", Entry::kFolder, 5)}},
        {3000, {Event(Kind::kMovedTo, "", "new", Entry::kFolder, 5)}}},
       // The top folder's own files are listed when its window ends (the
       // folder away is no file of it); the work under the folder waits
       // for its partner and follows it.
       {{2500, W(Work::kFolder, "")},
        {3000, W(Work::kRename, "new", SyncReason::kWatch, "album")},
        {3000, W(Work::kFolder, "new/sub")}}},
      // Overflows and lost watches are rescanned at once, not after the
      // delay (the service's schedule backs repeated ones off).
      {"OverflowIsATreeOfTheFolderAtOnce",
       {{0, {Event(Kind::kOverflow, "photos", "")}}},
       {{0, W(Work::kTree, "photos", kOverflow)}}},
      {"OverflowOfTheRootIsAReconcileAtOnce",
       {{0, {Event(Kind::kOverflow, "", "")}}},
       {{0, W(Work::kReconcile, "", kOverflow)}}},
      {"OverflowDuringAStormIsAReconcileAtOnce",
       {{0, NewFiles("a", 100)},
        {1000, {Event(Kind::kOverflow, "", "")}},
        {1500, NewFiles("b", 10)}},
       {{1000, W(Work::kReconcile, "", kOverflow)},
        {3500, W(Work::kFolder, "b")}}},
      {"WatchLostIsATreeAtOnce",
       {{0, {Event(Kind::kWatchLost, "photos/a", "")}}},
       {{0, W(Work::kTree, "photos/a", kOverflow)}}},
      {"RootGoneIsAReconcile",
       {{0,
         {Event(Kind::kCreated, "a", "x.jpg"),
          Event(Kind::kRootGone, "", "")}}},
       {{2000, W(Work::kReconcile, "", kOverflow)}}},
      {"TreeAbsorbsFolderWorkBelowIt",
       {{0,
         {Event(Kind::kModified, "photos/a", "x.jpg"),
          Event(Kind::kModified, "photos/b/c", "y.jpg"),
          Event(Kind::kModified, "photosx", "z.jpg")}},
        {1000, {Event(Kind::kOverflow, "photos", "")}}},
       {{1000, W(Work::kTree, "photos", kOverflow)},
        {2000, W(Work::kFolder, "photosx")}}},
      {"EventsBelowAPendingTreeJoinIt",
       {{0,
         {Event(Kind::kOverflow, "photos", ""),
          Event(Kind::kModified, "photos/a", "x.jpg")}}},
       {{0, W(Work::kTree, "photos", kOverflow)}}},
      {"EventsBelowAPendingNewFolderJoinIt",
       {{0, {Event(Kind::kCreated, "photos", "new", Entry::kFolder)}},
        {1500, {Event(Kind::kModified, "photos/new/a", "x.jpg")}}},
       {{2000, W(Work::kFolder, "photos")},
        {2000, W(Work::kTree, "photos/new")}}},
      // Files inside new folders are walked with them: they count toward
      // no storm (the top folder has four new names, not 516).
      {"FourBigNewFoldersAreFourTrees",
       {{0,
         Concat({{Event(Kind::kCreated, "", "a", Entry::kFolder),
                  Event(Kind::kCreated, "", "b", Entry::kFolder),
                  Event(Kind::kCreated, "", "c", Entry::kFolder),
                  Event(Kind::kCreated, "", "d", Entry::kFolder)},
                 NewFiles("a", 200), NewFiles("b", 200), NewFiles("c", 200),
                 NewFiles("d", 200), NewFiles("d/sub", 200)})}},
       {{2000, W(Work::kFolder, "")},
        {2000, W(Work::kTree, "a")},
        {2000, W(Work::kTree, "b")},
        {2000, W(Work::kTree, "c")},
        {2000, W(Work::kTree, "d")}}},
      // A folder storm's names stop counting once it is a tree.
      {"FolderStormsAreNoRootStorm",
       {{0, Concat({NewFiles("a", 200), NewFiles("b", 200), NewFiles("c", 200),
                    NewFiles("d", 128)})}},
       {{2000, W(Work::kTree, "a")},
        {2000, W(Work::kTree, "b")},
        {2000, W(Work::kTree, "c")},
        {2000, W(Work::kFolder, "d")}}},
      {"RootsAreApart",
       {{0,
         {Event(Kind::kCreated, "a", "x.jpg"),
          Event(Kind::kCreated, "a", "x.jpg", Entry::kFile, 0, kOtherRoot)}}},
       {{2000, W(Work::kFolder, "a")},
        {2000, W(Work::kFolder, "a", SyncReason::kWatch, "", kOtherRoot)}}},
      {"FolderMovedToAnotherRootIsNoRename",
       {{0,
         {Event(Kind::kMovedFrom, "", "album", Entry::kFolder, 21, kRoot),
          Event(Kind::kMovedTo, "", "album", Entry::kFolder, 21, kOtherRoot)}}},
       {{2000, W(Work::kFolder, "", SyncReason::kWatch, "", kOtherRoot)},
        {2000, W(Work::kTree, "album", SyncReason::kWatch, "", kOtherRoot)},
        {10000, W(Work::kFolder, "")},
        {10000, W(Work::kTree, "album")}}},
  };
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class AggregatorCase : public ::testing::TestWithParam<Case> {};

TEST_P(AggregatorCase, EventsInWorkOut) {
  ChangeAggregator aggregator(AggregatorOptions{});
  EXPECT_EQ(Drive(aggregator, GetParam().steps), GetParam().expected);
  EXPECT_EQ(aggregator.NextDueNs(), std::nullopt);
  EXPECT_EQ(aggregator.pending_folders(), 0);
}

INSTANTIATE_TEST_SUITE_P(ChangeAggregator, AggregatorCase,
                         ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

TEST(ChangeAggregator, NothingPendingNothingDue) {
  ChangeAggregator aggregator(AggregatorOptions{});
  EXPECT_EQ(aggregator.NextDueNs(), std::nullopt);
  EXPECT_TRUE(aggregator.TakeDue(At(100000)).empty());
  EXPECT_EQ(aggregator.pending_folders(), 0);
}

TEST(ChangeAggregator, NotDueBeforeTheDelay) {
  ChangeAggregator aggregator(AggregatorOptions{});
  aggregator.Add({Event(Kind::kCreated, "a", "x.jpg")}, At(0));
  EXPECT_EQ(aggregator.pending_folders(), 1);
  EXPECT_EQ(aggregator.NextDueNs(), At(2000));
  EXPECT_TRUE(aggregator.TakeDue(At(1999)).empty());
  EXPECT_EQ(aggregator.TakeDue(At(2000)),
            std::vector<SyncWork>{W(Work::kFolder, "a")});
  EXPECT_TRUE(aggregator.TakeDue(At(5000)).empty());
}

TEST(ChangeAggregator, OptionsSetTheDelayAndHold) {
  ChangeAggregator aggregator(
      AggregatorOptions{.delay = std::chrono::milliseconds(300),
                        .delete_hold = std::chrono::seconds(1)});
  aggregator.Add({Event(Kind::kCreated, "a", "x.jpg"),
                  Event(Kind::kRemoved, "b", "y.jpg")},
                 At(0));
  EXPECT_EQ(Drive(aggregator, {}),
            (std::vector<Out>{{300, W(Work::kFolder, "a")},
                              {1000, W(Work::kFolder, "b")}}));
}

TEST(ChangeAggregator, DeferredWorkIsNotDueBeforeItsTime) {
  ChangeAggregator aggregator(AggregatorOptions{});
  aggregator.Add({Event(Kind::kCreated, "a", "x.mov")}, At(0));
  ASSERT_EQ(aggregator.TakeDue(At(2000)),
            std::vector<SyncWork>{W(Work::kFolder, "a")});
  // x.mov is still being written: look again at 5 s.
  aggregator.Defer(W(Work::kFolder, "a"), At(5000));
  EXPECT_EQ(aggregator.pending_folders(), 1);
  EXPECT_EQ(aggregator.NextDueNs(), At(5000));
  EXPECT_TRUE(aggregator.TakeDue(At(4999)).empty());
  EXPECT_EQ(aggregator.TakeDue(At(5000)),
            std::vector<SyncWork>{W(Work::kFolder, "a")});
}

TEST(ChangeAggregator, DeferMergesWithNewEvents) {
  ChangeAggregator aggregator(AggregatorOptions{});
  aggregator.Defer(W(Work::kFolder, "a"), At(5000));
  aggregator.Add({Event(Kind::kCreated, "a", "y.jpg")}, At(4000));
  // Both wants: not before 5 s, and 2 s after the last event.
  EXPECT_EQ(aggregator.NextDueNs(), At(6000));
  EXPECT_TRUE(aggregator.TakeDue(At(5500)).empty());
  EXPECT_EQ(aggregator.TakeDue(At(6000)),
            std::vector<SyncWork>{W(Work::kFolder, "a")});
  // An earlier event does not make deferred work due before its time.
  aggregator.Defer(W(Work::kTree, "b"), At(9000));
  aggregator.Add({Event(Kind::kCreated, "b/c", "z.jpg")}, At(6000));
  EXPECT_EQ(aggregator.NextDueNs(), At(9000));
  EXPECT_EQ(aggregator.TakeDue(At(9000)),
            std::vector<SyncWork>{W(Work::kTree, "b")});
}

TEST(ChangeAggregator, ASettleLookIsNotHeldBackByNewerEvents) {
  ChangeAggregator aggregator(AggregatorOptions{});
  aggregator.Add({Event(Kind::kCreated, "a", "x.jpg")}, At(0));
  ASSERT_EQ(aggregator.TakeDue(At(2000)),
            std::vector<SyncWork>{W(Work::kFolder, "a")});
  // x.jpg settles at 2.5 s; the copy goes on beside it.
  aggregator.Defer(W(Work::kFolder, "a"), At(2500),
                   ChangeAggregator::When::kAt);
  aggregator.Add({Event(Kind::kCreated, "a", "y.jpg")}, At(2400));
  EXPECT_EQ(aggregator.NextDueNs(), At(2500));
  EXPECT_TRUE(aggregator.TakeDue(At(2499)).empty());
  EXPECT_EQ(aggregator.TakeDue(At(2500)),
            std::vector<SyncWork>{W(Work::kFolder, "a")});
  EXPECT_EQ(aggregator.pending_folders(), 0);
  // Alone, it is due at its time, not at once.
  aggregator.Defer(W(Work::kFolder, "b"), At(9000),
                   ChangeAggregator::When::kAt);
  EXPECT_EQ(aggregator.NextDueNs(), At(9000));
}

TEST(ChangeAggregator, DeferKeepsTheReason) {
  ChangeAggregator aggregator(AggregatorOptions{});
  aggregator.Defer(W(Work::kTree, "a", SyncReason::kOverflow), At(100));
  aggregator.Defer(W(Work::kReconcile, "", SyncReason::kManual, "", kOtherRoot),
                   At(200));
  EXPECT_EQ(Drive(aggregator, {}),
            (std::vector<Out>{{100, W(Work::kTree, "a", SyncReason::kOverflow)},
                              {200, W(Work::kReconcile, "", SyncReason::kManual,
                                      "", kOtherRoot)}}));
}

TEST(ChangeAggregator, DeferredRenameHoldsWorkUnderIt) {
  ChangeAggregator aggregator(AggregatorOptions{});
  aggregator.Defer(W(Work::kRename, "new", SyncReason::kWatch, "old"),
                   At(5000));
  aggregator.Add({Event(Kind::kCreated, "new", "a.jpg"),
                  Event(Kind::kCreated, "other", "b.jpg")},
                 At(0));
  EXPECT_EQ(Drive(aggregator, {}),
            (std::vector<Out>{
                {2000, W(Work::kFolder, "other")},
                {5000, W(Work::kRename, "new", SyncReason::kWatch, "old")},
                {5000, W(Work::kFolder, "new")}}));
}

// A kFolder work names the entries whose events made it
// (SyncWork::names), so the service can tell phodex's own writes, which
// are already as the catalog has them, from foreign changes.
TEST(ChangeAggregator, FolderWorkNamesTheEntriesOfItsEvents) {
  ChangeAggregator aggregator(AggregatorOptions{});
  aggregator.Add({Event(Kind::kMovedTo, "a", "x.jpg.xmp", Entry::kFile, 7),
                  Event(Kind::kModified, "a", "y.jpg"),
                  Event(Kind::kModified, "a", "x.jpg.xmp"),
                  Event(Kind::kRemoved, "a", "z.jpg")},
                 At(0));
  const std::vector<SyncWork> works = aggregator.TakeDue(At(2000));
  ASSERT_EQ(works, std::vector<SyncWork>{W(Work::kFolder, "a")});
  EXPECT_EQ(works[0].names,
            (std::vector<std::string>{"x.jpg.xmp", "y.jpg", "z.jpg"}));
}

TEST(ChangeAggregator, WorkWithoutNamesIsTheWholeFolder) {
  ChangeAggregator aggregator(AggregatorOptions{});
  // News of the folder itself (a polled folder that changed).
  aggregator.Add({Event(Kind::kModified, "a", "x.jpg"),
                  Event(Kind::kModified, "a", "")},
                 At(0));
  // The service defers a folder (a file still settling): all of it.
  aggregator.Add({Event(Kind::kModified, "b", "x.jpg")}, At(0));
  aggregator.Defer(W(Work::kFolder, "b"), At(1000));
  // A new folder is walked.
  aggregator.Add({Event(Kind::kCreated, "c", "d", Entry::kFolder)}, At(0));
  std::vector<SyncWork> works = aggregator.TakeDue(At(2000));
  ASSERT_EQ(works.size(), 4u);
  for (const SyncWork& work : works) {
    if (work.rel == "c") continue;  // c's news: new folder "d"
    EXPECT_THAT(work.names, ::testing::IsEmpty()) << work.rel;
  }
  // A deferred work with names asks about those again, with new events'.
  aggregator.Defer(SyncWork{.kind = Work::kFolder,
                            .root = kRoot,
                            .rel = "e",
                            .names = {"x.jpg"}},
                   At(3000));
  aggregator.Add({Event(Kind::kCreated, "e", "y.jpg")}, At(2500));
  works = aggregator.TakeDue(At(4500));
  ASSERT_EQ(works, std::vector<SyncWork>{W(Work::kFolder, "e")});
  EXPECT_EQ(works[0].names, (std::vector<std::string>{"x.jpg", "y.jpg"}));
}

TEST(ChangeAggregator, ForgetDropsOneRoot) {
  ChangeAggregator aggregator(AggregatorOptions{});
  aggregator.Add(
      {Event(Kind::kCreated, "a", "x.jpg"),
       Event(Kind::kMovedFrom, "", "gone", Entry::kFolder, 5),
       Event(Kind::kCreated, "a", "x.jpg", Entry::kFile, 0, kOtherRoot)},
      At(0));
  aggregator.Forget(kRoot);
  EXPECT_EQ(aggregator.pending_folders(), 1);
  EXPECT_EQ(Drive(aggregator, {}),
            (std::vector<Out>{{2000, W(Work::kFolder, "a", SyncReason::kWatch,
                                       "", kOtherRoot)}}));
  // The forgotten move does not pair later either.
  aggregator.Add({Event(Kind::kMovedTo, "", "back", Entry::kFolder, 5)},
                 At(3000));
  EXPECT_EQ(Drive(aggregator, {}),
            (std::vector<Out>{{5000, W(Work::kFolder, "")},
                              {5000, W(Work::kTree, "back")}}));
}

TEST(ChangeAggregator, RenameMovesPendingTreeAndKeepsOrder) {
  ChangeAggregator aggregator(AggregatorOptions{});
  // A new folder, then renamed before its walk: one rename, one tree of
  // the new name.
  EXPECT_EQ(
      Drive(aggregator,
            {{0, {Event(Kind::kCreated, "", "untitled", Entry::kFolder)}},
             {100, {Event(Kind::kCreated, "untitled", "a.jpg")}},
             {500,
              {Event(Kind::kMovedFrom, "", "untitled", Entry::kFolder, 31),
               Event(Kind::kMovedTo, "", "trip", Entry::kFolder, 31)}}}),
      (std::vector<Out>{
          {500, W(Work::kRename, "trip", SyncReason::kWatch, "untitled")},
          {2000, W(Work::kFolder, "")},
          {2000, W(Work::kTree, "trip")}}));
}

TEST(ChangeAggregator, MovePairsAcrossAddCalls) {
  ChangeAggregator aggregator(AggregatorOptions{});
  aggregator.Add({Event(Kind::kMovedFrom, "", "a", Entry::kFolder, 41)}, At(0));
  EXPECT_EQ(aggregator.NextDueNs(), At(10000));
  aggregator.Add({Event(Kind::kMovedTo, "", "b", Entry::kFolder, 41)},
                 At(9000));
  // The rename, and the top folder whose news is no longer only a
  // departure: its window (from the first event) is over.
  EXPECT_EQ(aggregator.TakeDue(At(9000)),
            (std::vector<SyncWork>{
                W(Work::kRename, "b", SyncReason::kWatch, "a"),
                W(Work::kFolder, "")}));
  EXPECT_EQ(aggregator.TakeDue(At(11000)), std::vector<SyncWork>{});
}

TEST(ChangeAggregator, StormMemoryIsBounded) {
  ChangeAggregator aggregator(AggregatorOptions{});
  for (int batch = 0; batch < 20; ++batch) {
    aggregator.Add(NewFiles("big", 1000), At(batch));
    aggregator.Add(
        {Event(Kind::kMovedFrom, "big", "f" + std::to_string(batch) + ".jpg",
               Entry::kFile, static_cast<uint32_t>(batch + 1))},
        At(batch));
  }
  EXPECT_EQ(aggregator.pending_folders(), 1);
  EXPECT_EQ(Drive(aggregator, {}),
            (std::vector<Out>{{2000, W(Work::kTree, "big")}}));
}

TEST(ChangeAggregator, ManyFolderMovesOutAreAReconcile) {
  ChangeAggregator aggregator(AggregatorOptions{.root_storm = 8});
  std::vector<WatchEvent> events;
  for (uint32_t i = 1; i <= 9; ++i) {
    events.push_back(Event(Kind::kMovedFrom, "d" + std::to_string(i), "sub",
                           Entry::kFolder, i));
  }
  aggregator.Add(events, At(0));
  EXPECT_EQ(Drive(aggregator, {}),
            (std::vector<Out>{{2000, W(Work::kReconcile, "")}}));
}

TEST(ChangeAggregator, EventsDuringAPendingReconcileJoinIt) {
  ChangeAggregator aggregator(AggregatorOptions{});
  // Before it is due: covered by it. After it ran: work of their own.
  EXPECT_EQ(Drive(aggregator,
                  {{0, NewFiles("", 129)},  // a storm: a reconcile
                   {1000, {Event(Kind::kRemoved, "a", "x.jpg")}},
                   {1500,
                    {Event(Kind::kMovedFrom, "", "a", Entry::kFolder, 3),
                     Event(Kind::kMovedTo, "", "b", Entry::kFolder, 3)}},
                   {2500, {Event(Kind::kCreated, "b", "y.jpg")}}}),
            (std::vector<Out>{{2000, W(Work::kReconcile, "")},
                              {4500, W(Work::kFolder, "b")}}));
}

// Whether `work` lists or walks folder `dir` of `root`.
bool Covers(const SyncWork& work, RootId root, const std::string& dir) {
  if (work.root != root) return false;
  switch (work.kind) {
    case Work::kReconcile:
      return true;
    case Work::kFolder:
      return work.rel == dir;
    case Work::kTree:
    case Work::kRename:
      return work.rel.empty() || dir == work.rel ||
             dir.starts_with(work.rel + "/");
  }
  return false;
}

// Whether `work` covers entry `name` of `dir`: as Covers, and a kFolder
// work that names entries names this one.
bool CoversName(const SyncWork& work, RootId root, const std::string& dir,
                const std::string& name) {
  if (!Covers(work, root, dir)) return false;
  return work.kind != Work::kFolder || work.names.empty() ||
         std::ranges::find(work.names, name) != work.names.end();
}

// Random events (no folder moves, whose paths change) in a few nested
// folders of two roots: whatever the mix, every event's folder is listed
// or walked after it, nothing stays pending, and NextDueNs never points at
// a time with nothing due.
TEST(ChangeAggregator, EveryEventIsFollowedByWorkCoveringIt) {
  const std::vector<std::string> dirs = {"", "a", "a/b", "a/b/c", "d"};
  const std::vector<Kind> kinds = {Kind::kCreated, Kind::kModified,
                                   Kind::kRemoved, Kind::kMovedFrom,
                                   Kind::kMovedTo, Kind::kOverflow};
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    ChangeAggregator aggregator(
        AggregatorOptions{.folder_storm = 8, .root_storm = 30});
    std::vector<SyncWork> out;
    // For each event: its root and folder, and how much work was out
    // before it.
    std::vector<std::tuple<RootId, std::string, std::string, size_t>> seen;
    int64_t now = 0;
    auto take_until = [&](int64_t limit_ms) {
      while (std::optional<int64_t> next = aggregator.NextDueNs()) {
        if (*next > At(limit_ms)) break;
        std::vector<SyncWork> works = aggregator.TakeDue(*next);
        ASSERT_FALSE(works.empty()) << "seed " << seed;
        out.insert(out.end(), works.begin(), works.end());
      }
    };
    for (int i = 0; i < 400; ++i) {
      now += static_cast<int64_t>(rng() % 700);
      take_until(now);
      const RootId root = rng() % 4 == 0 ? kOtherRoot : kRoot;
      const std::string& dir = dirs[rng() % dirs.size()];
      const Kind kind = kinds[rng() % (rng() % 50 == 0 ? 6 : 5)];
      const Entry entry =
          rng() % 10 == 0 && kind != Kind::kMovedFrom && kind != Kind::kMovedTo
              ? Entry::kFolder
              : Entry::kFile;
      WatchEvent event = Event(
          kind, dir, "n" + std::to_string(rng() % 12), entry,
          kind == Kind::kMovedFrom || kind == Kind::kMovedTo ? 1 + rng() % 5
                                                             : 0,
          root);
      if (kind == Kind::kOverflow) event.name.clear();
      seen.emplace_back(root, dir, event.name, out.size());
      aggregator.Add({event}, At(now));
    }
    take_until(now + 100000);
    EXPECT_EQ(aggregator.pending_folders(), 0);
    EXPECT_EQ(aggregator.NextDueNs(), std::nullopt);
    for (const auto& [root, dir, name, before] : seen) {
      EXPECT_TRUE(std::any_of(
          out.begin() + static_cast<ptrdiff_t>(before), out.end(),
          [&](const SyncWork& work) {
            return CoversName(work, root, dir, name);
          }))
          << "seed " << seed << ": '" << dir << "' of root " << root.value;
    }
  }
}

}  // namespace
}  // namespace phodex::watch
