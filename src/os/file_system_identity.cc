#include "os/file_system_identity.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "os/mount_info.h"
#include "os/unique_fd.h"

namespace phodex::os {
namespace {

// A small kernel table (/proc/self/mountinfo): read in one go; "" when it
// cannot be read.
std::string ReadProcFile(const char* path) {
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) return "";
  std::string out;
  char buf[16384];
  for (;;) {
    const ssize_t r = ::read(fd.get(), buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

// The name udev gives the block device `rdev` (or `source`'s device) in
// /dev/disk/by-uuid: the file system's UUID. "" where udev keeps no such
// folder (containers) or the file system has no block device.
std::string UuidOfDevice(dev_t dev, const std::string& source) {
  constexpr char kByUuid[] = "/dev/disk/by-uuid";
  dev_t source_dev = 0;
  struct stat st;
  if (source.starts_with("/dev/") && ::stat(source.c_str(), &st) == 0 &&
      S_ISBLK(st.st_mode)) {
    source_dev = st.st_rdev;
  }
  DIR* d = ::opendir(kByUuid);
  if (d == nullptr) return "";
  std::string uuid;
  while (struct dirent* de = ::readdir(d)) {
    if (de->d_name[0] == '.') continue;
    if (::fstatat(::dirfd(d), de->d_name, &st, 0) != 0) continue;
    if (S_ISBLK(st.st_mode) &&
        (st.st_rdev == dev || (source_dev != 0 && st.st_rdev == source_dev))) {
      uuid = de->d_name;
      break;
    }
  }
  ::closedir(d);
  return uuid;
}

}  // namespace

Result<FileSystemIdentity> IdentifyMountedFileSystem(
    const std::string& real_path) {
  struct stat st;
  if (::stat(real_path.c_str(), &st) != 0) {
    return ErrnoError(errno, "stat", real_path);
  }
  struct statfs sfs;
  if (::statfs(real_path.c_str(), &sfs) != 0) {
    return ErrnoError(errno, "statfs", real_path);
  }
  FileSystemIdentity id;
  static_assert(sizeof sfs.f_fsid == sizeof id.fsid);
  std::memcpy(&id.fsid, &sfs.f_fsid, sizeof id.fsid);
  const std::vector<MountEntry> mounts =
      ParseMountInfo(ReadProcFile("/proc/self/mountinfo"));
  std::string source;
  if (const MountEntry* m =
          FindMount(mounts, major(st.st_dev), minor(st.st_dev), real_path)) {
    id.type = m->type;
    source = m->source;
  }
  id.uuid = UuidOfDevice(st.st_dev, source);
  return id;
}

}  // namespace phodex::os
