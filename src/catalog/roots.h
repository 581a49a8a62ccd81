#pragma once
// The roots of a catalog: the folders it watches over (docs/catalog.md,
// table `roots`). Part of catalog::Catalog (catalog.h); code that only
// adds, lists or removes roots may take this narrow interface.
//
// Thread-compatible, like every catalog interface: one object is used by
// one thread at a time.

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/types.h"
#include "core/error.h"

namespace phodex::catalog {

class RootStore {
 public:
  virtual ~RootStore() = default;

  // Adds a root. Path and name are each unique among the roots in use:
  // fails with kAlreadyExists if either is taken.
  virtual Result<Root> AddRoot(const std::string& path,
                               const std::string& name, int64_t now_ns) = 0;
  // The roots in use (not removed), by id.
  virtual Result<std::vector<Root>> ListRoots() = 0;
  // kNo keeps the root's row, its files (marked removed) and its history,
  // and frees its path and name for a new root; kYes deletes them all.
  virtual Status RemoveRoot(RootId root, Purge purge, int64_t now_ns) = 0;
  // Records (replaces) the root's identity.
  virtual Status SetRootIdentity(RootId root, const RootIdentity& identity) = 0;
};

}  // namespace phodex::catalog
