#pragma once
// /proc/self/mountinfo, parsed (proc(5)): which file system a path is on,
// its type and its source device. Pure functions on the file's text, so
// tests feed them made-up tables; PosixFileSystem::IdentifyFileSystem
// reads the real one. Thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace phodex::os {

// One line of mountinfo.
struct MountEntry {
  uint32_t major = 0;  // st_dev of files on it (for most types)
  uint32_t minor = 0;
  std::string mount_point;  // unescaped ("\040" is a space)
  std::string type;         // "ext4", "vfat", "nfs4", "tmpfs", ...
  std::string source;       // "/dev/sdb1", "server:/export", "tmpfs", ...
};

// The lines that parse; malformed ones are skipped.
std::vector<MountEntry> ParseMountInfo(std::string_view text);

// The mount `path` (absolute, canonical) is on: among the mounts whose
// device is (`major`, `minor`), the one with the longest mount point
// containing `path`; when none has that device (btrfs subvolumes report
// another st_dev than their mount), the longest mount point containing
// `path`. Later lines win ties (a mount over an earlier one). Null when
// nothing contains `path`.
const MountEntry* FindMount(const std::vector<MountEntry>& mounts,
                            uint32_t major, uint32_t minor,
                            std::string_view path);

}  // namespace phodex::os
