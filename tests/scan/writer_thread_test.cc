// The scan's write loop (scan/writer_thread.h), stepped by hand on a fake
// clock: a batch waits for max_delay, then is committed without another
// folder arriving; closing commits the rest. No threads, no sleeps.

#include "scan/writer_thread.h"

#include <gtest/gtest.h>

#include <chrono>

#include "catalog/sqlite/sqlite_catalog.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::scan {
namespace {

using namespace std::chrono_literals;

DirChanges OneNewFile(const std::string& rel) {
  DirChanges c;
  FileChange f;
  f.is_new = true;
  f.upsert.rel = rel;
  f.upsert.stat.size = 10;
  f.upsert.stat.type = FileType::kRegular;
  f.upsert.kind = MediaKind::kPhoto;
  c.changes.push_back(std::move(f));
  return c;
}

TEST(WriteLoop, CommitsAnOldBatchWithoutANewFolderAndTheRestOnClose) {
  testing::TempDir dir;
  auto cat = catalog::OpenSqliteCatalog(dir / "catalog.db", {});
  ASSERT_TRUE(cat);
  const catalog::Root root = *(*cat)->AddRoot("/lib", "lib", 1);
  testing::FakeClock clock;
  ScanProgress progress;
  catalog::ScanBatch header;
  header.root = root.id;
  BatchWriterOptions options;
  options.max_delay = 250ms;
  BatchWriter writer(**cat, header, options, progress, clock);
  ChangesQueue queue(4);
  WriteLoop loop(queue, writer);

  EXPECT_EQ(loop.RunOnce(0ms), WriteLoop::Step::kIdle);
  ASSERT_TRUE(queue.Push(OneNewFile("a.jpg")));
  EXPECT_EQ(loop.RunOnce(0ms), WriteLoop::Step::kWrote);
  EXPECT_EQ(writer.committed().added, 0);  // young: waits for more
  clock.Advance(100ms);
  EXPECT_EQ(loop.RunOnce(0ms), WriteLoop::Step::kIdle);
  EXPECT_EQ(writer.committed().added, 0);
  clock.Advance(150ms);
  EXPECT_EQ(loop.RunOnce(0ms), WriteLoop::Step::kIdle);
  EXPECT_EQ(writer.committed().added, 1);  // 250 ms old: committed

  ASSERT_TRUE(queue.Push(OneNewFile("b.jpg")));
  queue.Close();
  EXPECT_EQ(loop.RunOnce(0ms), WriteLoop::Step::kWrote);
  EXPECT_EQ(writer.committed().added, 1);
  EXPECT_EQ(loop.RunOnce(0ms), WriteLoop::Step::kDone);
  EXPECT_EQ(writer.committed().added, 2);
  EXPECT_EQ(loop.RunOnce(0ms), WriteLoop::Step::kDone);
  EXPECT_FALSE(loop.failed());
  EXPECT_EQ(progress.added.load(), 2);
}

}  // namespace
}  // namespace phodex::scan
