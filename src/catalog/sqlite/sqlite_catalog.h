#pragma once
// The embedded catalog backend: one SQLite file in WAL mode
// (docs/catalog.md). Only app/ names this header.

#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "core/error.h"

namespace phodex::catalog {

struct SqliteOptions {
  // kYes: apply pending migrations on open, after writing a backup copy of
  // a non-empty catalog next to it. kNo: open as it is (`migrate --status`);
  // a catalog that is not at the latest version is then only good for
  // GetSchemaStatus().
  enum class Migrate { kYes, kNo } migrate = Migrate::kYes;
  // How the file is opened (docs/catalog.md, "Read-only catalogs").
  // kReadWrite: as phodex writes it (WAL mode). kReadOnly: for reading a
  // catalog that cannot be written (a read-only folder or mount, a full
  // disk): nothing is migrated, configured or written. kImmutable: read-only
  // without locks and without the -wal, for when SQLite cannot even set up
  // its shared-memory index (no -shm and no way to create one): commits
  // still in the -wal are not seen, nor is another process's writing.
  // Read-only opens never migrate; with `migrate` kYes, a catalog older
  // than this phodex is refused (kUnsupported) as it would need writing.
  enum class Access { kReadWrite, kReadOnly, kImmutable };
  Access access = Access::kReadWrite;
  // kNo: a missing file fails with kNotFound and nothing is created.
  enum class Create { kYes, kNo } create = Create::kYes;
  // kQuick: before anything is written, make sure the storage is sound:
  // SQLite's quick_check (every page's structure) when the file is at most
  // `quick_check_max_bytes`, else the header and the schema only: the full
  // check takes about 16 us per 4 KiB page, 2.0 s for a catalog of 1M
  // files (docs/catalog.md, "Damage"). Damage fails the open with kCorrupt.
  // Larger catalogs meet damage when a statement reads it, which stops
  // every write from then on (Catalog::Damaged).
  enum class Check { kNone, kQuick } check = Check::kNone;
  int64_t quick_check_max_bytes = int64_t{16} << 20;
  // How long a writer waits for another process's transaction.
  int busy_timeout_ms = 60'000;
  // Stop migrating at this version (0: latest). Tests build old catalogs
  // with it.
  int max_version_ForTesting = 0;
};

// Opens (creating if needed) the catalog at `path`. Fails with kUnsupported,
// without touching the file, when it was written by a newer phodex, and
// with kCorrupt when it is not a database or fails the check.
Result<std::unique_ptr<Catalog>> OpenSqliteCatalog(const std::string& path,
                                                   const SqliteOptions& opts);

// Proof that no other connection, in this process or another, has the
// catalog file open, held until destruction: SQLite's exclusive lock on
// the file (locking_mode=EXCLUSIVE; a WAL connection holds a shared lock
// for as long as it is open). Nothing is written to the file, not even
// when the lock is released. Used to swap a rebuilt catalog in
// (docs/catalog.md, "Rebuild"). Single-threaded.
class SqliteExclusiveLock {
 public:
  virtual ~SqliteExclusiveLock() = default;
};

// Takes the lock without waiting: kBusy when another connection has the
// file open; kCorrupt when the file is not a database (then nobody can
// be using it as one).
Result<std::unique_ptr<SqliteExclusiveLock>> LockSqliteCatalogExclusive(
    const std::string& path);

}  // namespace phodex::catalog
