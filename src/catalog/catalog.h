#pragma once
// The catalog: what every other module sees of the stored library. It is
// the sum of narrow interfaces, one per concern, each in its own header:
//
//   roots.h          RootStore      roots: add, list, remove, identity
//   scan_store.h     ScanStore      scan generations, known files, batches
//                                   (and the two upsert rules)
//   move_index.h     MoveIndex      move candidates, ApplyMove
//   file_queries.h   FileQueries    GetFile, FindFile, paged ListFiles,
//                                   stats, size twins
//   file_search.h    FileSearch     filtered search, newest capture first
//   pixel_store.h    PixelStore     pixel facts per content
//   operation_log.h  OperationLog   operations and file errors
//   dedup_writes.h   DedupWrites    what `dupes --apply` records
//   duplicate_queries.h DuplicateQueries  shared full hashes (the API)
//   rating_writes.h  RatingWrites   what `rate` records
//   timeline_queries.h TimelineQueries  the library by capture time
//   admin.h          CatalogAdmin   schema, integrity, backup, salvage
//   job_queue.h      JobQueue       the persistent job queue
//   folder_index.h   FolderIndex    folder tallies, the content version
//
// Code that needs one concern takes the narrow interface; code that needs
// several takes Catalog&. Every backend implements all of them in one
// object (catalog/sqlite today; PostgreSQL later), and passes the contract
// suite (tests/catalog/catalog_contract_test.cc); docs/architecture.md,
// "What a catalog backend implements". All SQL lives behind these
// interfaces, in the backend's folder. The values are in types.h; the
// schema is described in docs/catalog.md.
//
// Thread-compatible: one Catalog object is used by one thread at a time.
// Several processes may open the same catalog; the backend serialises their
// writes (see docs/architecture.md, "Two processes").

#include "catalog/admin.h"
#include "catalog/dedup_writes.h"
#include "catalog/duplicate_queries.h"
#include "catalog/file_queries.h"
#include "catalog/file_search.h"
#include "catalog/folder_index.h"
#include "catalog/job_queue.h"
#include "catalog/move_index.h"
#include "catalog/operation_log.h"
#include "catalog/pixel_store.h"
#include "catalog/rating_writes.h"
#include "catalog/roots.h"
#include "catalog/scan_store.h"
#include "catalog/timeline_queries.h"
#include "catalog/types.h"

namespace phodex::catalog {

class Catalog : public RootStore,
                public ScanStore,
                public MoveIndex,
                public FileQueries,
                public FileSearch,
                public PixelStore,
                public OperationLog,
                public DedupWrites,
                public DuplicateQueries,
                public RatingWrites,
                public TimelineQueries,
                public CatalogAdmin,
                public JobQueue,
                public FolderIndex {
 public:
  ~Catalog() override = default;
};

}  // namespace phodex::catalog
