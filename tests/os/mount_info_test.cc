#include "os/mount_info.h"

#include <gtest/gtest.h>

#include "os/file_system.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::os {
namespace {

constexpr char kMountInfo[] =
    "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
    "25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24683784k\n"
    "40 27 8:17 / /media/My\\040Photos rw,nosuid shared:5 master:1 - exfat "
    "/dev/sdb1 rw,fmask=0022\n"
    "41 27 0:45 / /mnt/nas rw - nfs4 nas:/export/photos rw,vers=4.2\n"
    "42 27 0:46 /@home /home rw - btrfs /dev/sda2 rw,subvol=/@home\n"
    "garbage line\n"
    "43 27 0:47 / /mnt/nas rw - cifs //nas/share rw\n";

TEST(MountInfo, ParsesFieldsAndUnescapesPaths) {
  const std::vector<MountEntry> m = ParseMountInfo(kMountInfo);
  ASSERT_EQ(m.size(), 6u);
  EXPECT_EQ(m[0].mount_point, "/");
  EXPECT_EQ(m[0].type, "ext4");
  EXPECT_EQ(m[0].source, "/dev/vda");
  EXPECT_EQ(m[0].major, 254u);
  EXPECT_EQ(m[0].minor, 0u);
  // Optional fields (shared:5 master:1) before the separator.
  EXPECT_EQ(m[2].mount_point, "/media/My Photos");
  EXPECT_EQ(m[2].type, "exfat");
  EXPECT_EQ(m[2].source, "/dev/sdb1");
  EXPECT_EQ(m[3].source, "nas:/export/photos");
}

TEST(MountInfo, FindsTheMountAPathIsOn) {
  const std::vector<MountEntry> m = ParseMountInfo(kMountInfo);
  // By device and longest mount point.
  EXPECT_EQ(FindMount(m, 8, 17, "/media/My Photos/2020")->type, "exfat");
  // An unmounted drive's mount point is a folder of the parent.
  EXPECT_EQ(FindMount(m, 254, 0, "/media/other")->type, "ext4");
  // "/media/My Photos2" is not below "/media/My Photos".
  EXPECT_EQ(FindMount(m, 254, 0, "/media/My Photos2")->type, "ext4");
  // A btrfs subvolume reports another st_dev: the longest mount point.
  EXPECT_EQ(FindMount(m, 0, 99, "/home/alice")->type, "btrfs");
  // Mounted over: the later mount wins.
  EXPECT_EQ(FindMount(m, 0, 1, "/mnt/nas/2020")->type, "cifs");
  EXPECT_EQ(FindMount({}, 0, 0, "/x"), nullptr);
}

TEST(PosixFileSystem, IdentifiesTheFileSystemOfAFolder) {
  testing::TempDir dir;
  auto fs = NewPosixFileSystem();
  auto id = fs->IdentifyFileSystem(dir.path());
  ASSERT_TRUE(id) << id.error().ToString();
  EXPECT_FALSE(id->type.empty());  // /proc/self/mountinfo names it
  auto again = fs->IdentifyFileSystem(dir.path());
  EXPECT_EQ(*again, *id);
  auto missing = fs->IdentifyFileSystem(dir / "no-such-folder");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace phodex::os
