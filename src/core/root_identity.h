#pragma once
// What tells a root's drive from an empty mount point, another drive
// mounted in its place, or a plain folder faking it (docs/cli.md, "Root
// identity"; stored in the catalog's `roots` table, docs/catalog.md v7).
// Plain value types; thread-compatible.

#include <cstdint>
#include <string>

namespace phodex {

// The file system a path is on, as far as the system tells. Each field may
// be unknown (empty or 0): /dev/disk/by-uuid is missing in containers,
// network shares and tmpfs have no UUID, f_fsid is 0 on some file systems.
struct FileSystemIdentity {
  // The file system's UUID or volume serial as /dev/disk/by-uuid names it
  // ("3f1c…", "1234-ABCD" for FAT and exFAT); "" when not found.
  std::string uuid;
  // The type /proc/self/mountinfo gives ("ext4", "vfat", "exfat", "nfs4",
  // "tmpfs", …); "" when not found.
  std::string type;
  // statfs(2)'s f_fsid; 0 when the file system gives none. Derived from the
  // UUID on ext4 and btrfs, but from the device number on FAT, exFAT and
  // XFS, so it may change when a drive comes back as another device: used
  // only where nothing better is known.
  uint64_t fsid = 0;

  friend bool operator==(const FileSystemIdentity&,
                         const FileSystemIdentity&) = default;
};

// A root's identity, recorded when it is added (or, for roots added before
// schema v7, by their first scan that finds the cataloged files there).
struct RootIdentity {
  // Random, 32 lower-case hex digits: the root's name in its marker file.
  std::string uuid;
  // phodex wrote the marker file (scan/root_identity.h) at the root. A
  // read-only root (a camera card, a read-only share) has none and relies
  // on `fs`.
  bool marker = false;
  // The file system the root was on when recorded.
  FileSystemIdentity fs;
  int64_t recorded_ns = 0;

  friend bool operator==(const RootIdentity&, const RootIdentity&) = default;
};

}  // namespace phodex
