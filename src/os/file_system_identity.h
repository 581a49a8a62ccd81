#pragma once
// Which file system a folder is on, as the system tells it: statfs(2)'s
// f_fsid, the type and source device from /proc/self/mountinfo
// (os/mount_info.h), and the UUID udev names that device by in
// /dev/disk/by-uuid. The work behind PosixFileSystem::IdentifyFileSystem,
// kept apart from the reads and writes of posix_file_system.cc. Thread-safe.

#include <string>

#include "core/error.h"
#include "core/root_identity.h"

namespace phodex::os {

// The identity of the file system holding `real_path` (absolute,
// canonical; a folder or file that exists). Fields the system does not
// tell stay empty or 0 (see FileSystemIdentity); errors only when
// `real_path` cannot be stat'ed.
Result<FileSystemIdentity> IdentifyMountedFileSystem(
    const std::string& real_path);

}  // namespace phodex::os
