#pragma once
// The changes `phodex dupes --apply` makes to user files: a new name for a
// file, an atomic rename, removing a name. Behind an interface so that tests
// can fail any step. The real implementation uses std::filesystem, because
// os::FileSystem has no link, rename or unlink yet (docs/architecture.md,
// "Duplicate actions"); it makes no system call of its own.
//
// Nothing here syncs to disk: crash safety comes from the order of the
// steps and the journal (dedup/action_journal.h), which is fsync'ed; the
// callers fsync the folders with os::FileSystem::SyncDir after each step.
// Copies across file systems go through os::FileSystem::CopyFileDurable.
//
// Implementations are thread-safe.

#include <memory>
#include <string>

#include "core/error.h"

namespace phodex::dedup {

class FileOps {
 public:
  virtual ~FileOps() = default;
  // Creates `link` as one more name of the file `existing`. Never replaces:
  // kAlreadyExists when `link` exists. kUnsupported when the two are on
  // different file systems or hard links are not possible there.
  virtual Status HardLink(const std::string& existing,
                          const std::string& link) = 0;
  // Renames `from` to `to` atomically, replacing a file at `to`.
  // kUnsupported when the two are on different file systems.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Removes the name `path`, which must be a regular file (not followed if
  // a symlink: refused). kNotFound when there is none.
  virtual Status RemoveFile(const std::string& path) = 0;
};

// The real file system, through std::filesystem.
std::unique_ptr<FileOps> NewStdFileOps();

}  // namespace phodex::dedup
