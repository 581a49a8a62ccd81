#include "library/group_output.h"

#include <gtest/gtest.h>

#include "library/file_output.h"

namespace phodex::library {
namespace {

dedup::DuplicateFile File(int64_t id, const std::string& path, uint64_t ino) {
  dedup::DuplicateFile f;
  f.id = FileId{id};
  f.path = path;
  f.root_path = "/r";
  f.ino = ino;
  return f;
}

// The field names and order are a stable interface (docs/cli.md).
TEST(GroupOutput, ADuplicateGroupHasItsFieldsInOrder) {
  dedup::DuplicateGroup g;
  g.size = 10;
  g.wasted = 10;
  g.files = {File(1, "/r/a.jpg", 7), File(2, "/r/b\xFF.jpg", 8),
             File(3, "/r/c.jpg", 8)};
  const std::string hex = g.hash.ToHex();
  EXPECT_EQ(DumpJson(DuplicateGroupToJson(g)),
            "{\"size\":10,\"hash\":\"" + hex +
                "\",\"paths\":[\"/r/a.jpg\",\"/r/b\\\\xFF.jpg\",\"/r/"
                "c.jpg\"],\"wasted\":10,\"hardlinks\":[[\"/r/b\\\\xFF.jpg\","
                "\"/r/c.jpg\"]]}");
}

TEST(GroupOutput, APlannedPathHasNullsWhereAFieldDoesNotApply) {
  dedup::PlannedGroup g;
  g.size = 5;
  g.kept = {File(1, "/r/a.jpg", 1)};
  dedup::PlannedAction a;
  a.kind = dedup::ActionKind::kDelete;
  a.victim = File(2, "/r/b.jpg", 2);
  a.keeper = g.kept[0];
  a.frees = 5;
  g.actions = {a};
  dedup::PathStatus kept{0, &g.kept[0], nullptr, "kept", ""};
  dedup::PathStatus victim{0, &g.actions[0].victim, &g.actions[0], "planned",
                           ""};
  const std::string hex = g.hash.ToHex();
  EXPECT_EQ(DumpJson(PlannedPathToJson(g, kept)),
            "{\"group\":1,\"action\":\"keep\",\"path\":\"/r/a.jpg\","
            "\"keeper\":null,\"target\":null,\"size\":5,\"hash\":\"" +
                hex +
                "\",\"frees\":0,\"status\":\"kept\",\"reason\":null}");
  EXPECT_EQ(DumpJson(PlannedPathToJson(g, victim)),
            "{\"group\":1,\"action\":\"delete\",\"path\":\"/r/b.jpg\","
            "\"keeper\":\"/r/a.jpg\",\"target\":null,\"size\":5,\"hash\":\"" +
                hex +
                "\",\"frees\":5,\"status\":\"planned\",\"reason\":null}");
}

TEST(GroupOutput, ASimilarGroupIsItsPathsAndItsDistance) {
  SimilarPhotoGroup g;
  g.paths = {"/r/a.jpg", "/r/b.jpg"};
  g.max_distance = 3;
  EXPECT_EQ(DumpJson(SimilarGroupToJson(g)),
            "{\"paths\":[\"/r/a.jpg\",\"/r/b.jpg\"],\"max_distance\":3}");
}

}  // namespace
}  // namespace phodex::library
