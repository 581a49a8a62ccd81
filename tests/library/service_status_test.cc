// library/service_status.h: the status file of a running `phodex serve`
// (its JSON both ways, refusals of what is not ours) and how `phodex
// status` finds the service: only while one holds the serve lock.

#include "library/service_status.h"

#include <gtest/gtest.h>

#include <fstream>

#include "library/file_locks.h"
#include "os/file_system.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::library {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kT0 = 1'700'000'000 * kSecond + 123'456'789;

ServiceStatusFile Example() {
  ServiceStatusFile f;
  f.status.pid = 4242;
  f.status.started_ns = kT0;
  f.status.updated_ns = kT0 + 60 * kSecond;
  RootServiceState watched;
  watched.root = RootId{1};
  watched.path = "/photos";
  watched.method = watch::WatchMethod::kInotify;
  watched.folders = 1200;
  watched.last_reconcile_ns = kT0 + 5 * kSecond;
  watched.next_reconcile_ns = kT0 + 3600 * kSecond;
  RootServiceState polled;
  polled.root = RootId{2};
  polled.path = "/mnt/nas";
  polled.method = watch::WatchMethod::kPolling;
  polled.folders = 30;
  polled.reason = "nfs4 is polled";
  polled.reconciling = true;
  f.status.roots = {watched, polled};
  f.status.pending_folders = 3;
  f.status.settling_files = 7;
  f.status.queue = {{"metadata", catalog::JobState::kAvailable, 12},
                    {"pixels", catalog::JobState::kRunning, 2}};
  f.listen = "127.0.0.1:7447";
  f.settings.delay_s = 0.2;
  f.settings.settle_s = 0.5;
  f.settings.delete_hold_s = 1;
  f.settings.thumbs = false;
  return f;
}

void ExpectSame(const ServiceStatusFile& a, const ServiceStatusFile& b) {
  EXPECT_EQ(ServiceStatusToJson(a).dump(), ServiceStatusToJson(b).dump());
  EXPECT_EQ(a.status.started_ns, b.status.started_ns);
  EXPECT_EQ(a.status.roots.at(0).next_reconcile_ns,
            b.status.roots.at(0).next_reconcile_ns);
}

TEST(ServiceStatus, JsonRoundTrips) {
  const ServiceStatusFile f = Example();
  const nlohmann::ordered_json j = ServiceStatusToJson(f);
  EXPECT_EQ(j["started"], "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(j["roots"][0]["method"], "inotify");
  EXPECT_TRUE(j["roots"][0]["reason"].is_null());
  EXPECT_TRUE(j["roots"][1]["last_reconcile"].is_null());
  EXPECT_EQ(j["queue"][1]["state"], "running");
  auto back = ServiceStatusFromJson(j);
  ASSERT_TRUE(back) << back.error().ToString();
  ExpectSame(f, *back);
}

TEST(ServiceStatus, RefusesWhatIsNotOurs) {
  const nlohmann::ordered_json good = ServiceStatusToJson(Example());
  for (const char* key : {"pid", "started", "roots", "queue", "settings"}) {
    nlohmann::ordered_json j = good;
    j.erase(key);
    auto back = ServiceStatusFromJson(j);
    ASSERT_FALSE(back) << key;
    EXPECT_EQ(back.error().code(), ErrorCode::kCorrupt);
    EXPECT_NE(back.error().message().find(key), std::string::npos)
        << back.error().message();
  }
  nlohmann::ordered_json j = good;
  j["roots"][0]["method"] = "telepathy";
  EXPECT_FALSE(ServiceStatusFromJson(j));
  j = good;
  j["updated"] = "yesterday";
  EXPECT_FALSE(ServiceStatusFromJson(j));
  EXPECT_FALSE(ServiceStatusFromJson(nlohmann::ordered_json::array()));
}

TEST(ServiceStatus, WritesAndReadsTheFile) {
  testing::TempDir dir;
  auto fs = os::NewPosixFileSystem();
  const std::string path = dir / "status.json";
  EXPECT_EQ(ReadServiceStatus(*fs, path).error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(WriteServiceStatus(*fs, path, Example()));
  auto back = ReadServiceStatus(*fs, path);
  ASSERT_TRUE(back) << back.error().ToString();
  ExpectSame(Example(), *back);
  std::ofstream(path) << "{\"pid\": ";
  EXPECT_EQ(ReadServiceStatus(*fs, path).error().code(), ErrorCode::kCorrupt);
}

TEST(ServiceStatus, FoundOnlyWhileTheServiceHoldsItsLock) {
  testing::TempDir dir;
  auto fs = os::NewPosixFileSystem();
  const DataFolder data = DataFolderBeside(dir / "catalog.db");
  const int64_t updated = Example().status.updated_ns;
  // A file a killed service left: no lock, no service.
  ASSERT_TRUE(WriteServiceStatus(*fs, data.ServiceStatusPath(), Example()));
  EXPECT_FALSE(FindRunningService(*fs, data, updated));
  EXPECT_FALSE(ServiceLockHeld(data));

  FileLocks locks(data);
  auto lock = locks.LockService();
  ASSERT_TRUE(lock) << lock.error().ToString();
  EXPECT_TRUE(ServiceLockHeld(data));
  auto found = FindRunningService(*fs, data, updated + kSecond);
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->file);
  EXPECT_TRUE(found->fresh);
  EXPECT_EQ(found->file->status.pid, 4242);
  found = FindRunningService(*fs, data, updated + 60 * kSecond);
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->fresh);

  // A second service is refused; the probe never stole the lock.
  auto second = locks.LockService();
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), ErrorCode::kBusy);

  // Starting: locked, no file yet.
  ASSERT_TRUE(fs->RemoveFile(data.ServiceStatusPath()));
  found = FindRunningService(*fs, data, updated);
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->file);
  EXPECT_EQ(found->why, "");

  lock->reset();
  EXPECT_FALSE(FindRunningService(*fs, data, updated));
}

}  // namespace
}  // namespace phodex::library
