#pragma once
// Copying what can still be read out of a (possibly damaged) SQLite
// catalog into a new one: Catalog::CopyReadableRowsTo, for `phodex catalog
// rebuild` (docs/catalog.md, "Rebuild"). Internal to catalog/sqlite.
// Single-threaded.

#include <sqlite3.h>

#include "catalog/catalog.h"
#include "core/error.h"

namespace phodex::catalog::sqlite {

// Copies every table of `to`'s schema that `from` has too, the columns both
// have, keeping row ids (and so file, root and operation ids):
//   - rowid tables are read in ranges of row ids; a range SQLite reports as
//     damaged is split until single ids, so one damaged page costs the rows
//     on it, not the table;
//   - WITHOUT ROWID tables are read in key order until the first damage;
//   - a row `to` refuses (a constraint) is skipped;
//   - afterwards, rows whose parent row was lost are deleted (ON DELETE
//     CASCADE references) or have the reference set to NULL (ON DELETE SET
//     NULL), so `to` passes foreign_key_check.
// `from` is only read; `to` should be empty. Foreign keys are off on `to`
// while it runs (restored after). Errors other than damage in `from` (an
// I/O error, `to` failing to write) stop it.
Result<SalvageReport> SalvageRows(sqlite3* from, sqlite3* to);

}  // namespace phodex::catalog::sqlite
