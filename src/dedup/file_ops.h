#pragma once
// The changes `phodex dupes --apply` makes to user files: a new name for a
// file, a rename, removing a name. Behind an interface so that tests can
// fail any step; the real implementation is os::FileSystem's Link, Rename
// and RemoveFile (only os/ makes system calls), plus the check that a name
// removed is a regular file's.
//
// Nothing here syncs to disk: crash safety comes from the order of the
// steps and the journal (dedup/action_journal.h), which is fsync'ed; the
// callers fsync the folders with os::FileSystem::SyncDir after each step.
// Copies across file systems go through os::FileSystem::CopyFileDurable.
//
// Implementations are thread-safe when the FileSystem is.

#include <memory>
#include <string>

#include "core/error.h"
#include "os/file_system.h"

namespace phodex::dedup {

class FileOps {
 public:
  virtual ~FileOps() = default;
  // Creates `link` as one more name of the file `existing`. Never replaces:
  // kAlreadyExists when `link` exists. kUnsupported when the two are on
  // different file systems or hard links are not possible there.
  virtual Status HardLink(const std::string& existing,
                          const std::string& link) = 0;
  // Renames `from` to `to` atomically; os::Replace::kNo never replaces a
  // file at `to` (kAlreadyExists). kUnsupported when the two are on
  // different file systems (see os::FileSystem::Rename).
  virtual Status Rename(const std::string& from, const std::string& to,
                        os::Replace replace) = 0;
  // Removes the name `path`, which must be a regular file (not followed if
  // a symlink: refused). kNotFound when there is none.
  virtual Status RemoveFile(const std::string& path) = 0;
};

// The real changes, through `fs` (not owned; must outlive the result).
std::unique_ptr<FileOps> NewFileOps(os::FileSystem& fs);

}  // namespace phodex::dedup
