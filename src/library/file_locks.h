#pragma once
// catalog::Locks as lock files in the data folder (flock, released by the
// kernel when the process dies): the locks of an embedded catalog, whose
// processes all run on one machine. Thread-safe.

#include <memory>

#include "catalog/locks.h"
#include "library/data_folder.h"

namespace phodex::library {

// Whether a process holds the service lock of `data` now: a probe that
// never waits and creates nothing.
bool ServiceLockHeld(const DataFolder& data);

class FileLocks final : public catalog::Locks {
 public:
  explicit FileLocks(DataFolder data) : data_(std::move(data)) {}

  Result<std::unique_ptr<catalog::Lock>> LockRoot(RootId root,
                                                  Wait wait) override;
  Result<std::unique_ptr<catalog::Lock>> LockDupes(Wait wait) override;

  // The lock of `phodex serve` (DataFolder::ServeLockPath), held for the
  // service's life: one service per catalog. Never waits: kBusy naming the
  // holder's pid when another service holds it. A `phodex status` probing
  // it (ServiceLockHeld) holds it for an instant, so it tries a few times
  // over ~250 ms before it says busy.
  // Not a catalog::Locks method: the service's status file is in this
  // machine's data folder, and what several services on several machines
  // sharing one catalog may do is for the issue that brings them.
  Result<std::unique_ptr<catalog::Lock>> LockService();

 private:
  const DataFolder data_;
};

}  // namespace phodex::library
