#pragma once
// What `phodex rate` changes in the catalog (scan/rating_update.h): the
// file it wrote (the photo, or the XMP sidecar), read again, and the
// sidecar's link to its photo. Its own write set, not a scan batch. Part
// of catalog::Catalog (catalog.h).
//
// Thread-compatible.

#include <cstdint>
#include <optional>
#include <string>

#include "catalog/types.h"
#include "core/error.h"

namespace phodex::catalog {

struct RatingWrite {
  RootId root;
  int64_t scan_gen = 0;  // the root's current scan generation
  int64_t now_ns = 0;
  // The written file as a scan of it would record it: upserted with the
  // rules of ScanStore::ApplyBatch (scan_store.h), so new metadata
  // replaces the old. Last seen now.
  FileUpsert file;
  // For a sidecar: the rel of the photo it describes (same root), linked
  // after the upsert. Null: no link changes.
  std::optional<std::string> sidecar_of;
};

class RatingWrites {
 public:
  virtual ~RatingWrites() = default;
  // Applies the write in one transaction. The operation's counts are not
  // touched (the rate command finishes its operation with them).
  virtual Status ApplyRatingWrite(const RatingWrite& write) = 0;
};

}  // namespace phodex::catalog
