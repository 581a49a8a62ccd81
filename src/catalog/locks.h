#pragma once
// The locks that keep two processes (two commands, a command and
// `phodex serve`) from working on the same thing at once: a root's files
// (scan, rate, root remove, dupes) and the dupes journal. The backend that
// holds the catalog provides them: beside an embedded catalog they are
// lock files in its data folder (library/file_locks.h); a PostgreSQL
// backend takes session advisory locks, so processes on several machines
// that share the catalog exclude each other too.
//
// A lock is held until its handle is destroyed, and is released by the
// system when its process dies (kill -9 never leaves a stale lock).
// Implementations are thread-safe; a handle is owned by one thread.

#include <memory>

#include "core/error.h"
#include "core/types.h"

namespace phodex::catalog {

class Lock {
 public:
  virtual ~Lock() = default;
};

class Locks {
 public:
  enum class Wait { kNo, kYes };

  virtual ~Locks() = default;
  // The lock on `root`'s files. kBusy (naming the holder where known) when
  // another process holds it and `wait` is kNo.
  [[nodiscard]] virtual Result<std::unique_ptr<Lock>> LockRoot(RootId root,
                                                               Wait wait) = 0;
  // The lock on the dupes journal (one `dupes --apply` at a time).
  [[nodiscard]] virtual Result<std::unique_ptr<Lock>> LockDupes(Wait wait) = 0;
};

}  // namespace phodex::catalog
