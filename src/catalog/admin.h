#pragma once
// Looking after the catalog itself: its schema, its storage's health,
// copies of it. Part of catalog::Catalog (catalog.h).
//
// Thread-compatible.

#include <cstdint>
#include <string>

#include "catalog/types.h"
#include "core/error.h"

namespace phodex::catalog {

class Catalog;

class CatalogAdmin {
 public:
  virtual ~CatalogAdmin() = default;

  // The schema version of the catalog, the latest this phodex knows, and
  // the migrations between them.
  virtual Result<SchemaStatus> GetSchemaStatus() = 0;
  // Full consistency check of the storage; an error (kCorrupt) describes
  // the damage, and marks the catalog damaged (Damaged()).
  virtual Status CheckIntegrity() = 0;
  // True once this catalog met damaged storage: an error the backend
  // reports as corruption, or a failed check. From then on every write
  // fails with kCorrupt and nothing more is written to its files, not even
  // when it is closed: a damaged catalog is never written on
  // (docs/catalog.md, "Damage").
  virtual bool Damaged() = 0;
  // Writes a consistent copy of the catalog as it is (its storage is
  // copied, not interpreted, so damage is copied too) to `path`, a new
  // file (an existing one is an error: kAlreadyExists), synced before
  // returning. Other processes may read and write the catalog meanwhile.
  virtual Status BackupTo(const std::string& path) = 0;
  // Copies every row of this catalog that can still be read into `dest`,
  // a new, empty catalog of the same backend and schema (or newer), table
  // by table, keeping ids; rows in damaged storage are skipped, and rows
  // whose parent was lost are dropped (a file without its root) or cut
  // loose (an operation keeps its history without its root). Reads only
  // this catalog, even when damaged. For `phodex catalog rebuild`.
  // kUnsupported when `dest` is of another backend.
  virtual Result<SalvageReport> CopyReadableRowsTo(Catalog& dest) = 0;
  // Bytes used by the catalog on disk (all its files).
  virtual Result<int64_t> SizeOnDisk() = 0;
  // Frees what the connection caches (pages read, statements' scratch)
  // beyond what it needs now: for a long-lived connection after a walk of
  // a big root. Best effort; the cache refills as it is used.
  virtual void ReleaseMemory() = 0;
};

}  // namespace phodex::catalog
