#pragma once
// Whether the entries a watcher named in one folder are exactly as the
// catalog holds them, so that applying the folder would change nothing
// there. This is how `phodex serve` tells phodex's own writes from foreign
// changes (docs/serve.md, "Own writes"): whatever phodex writes into a
// root (an XMP sidecar, a rating embedded in a photo) it records in the
// catalog in the same step, under the root's scan lock, as a scan of that
// file would (scan/rating_update.h); the watcher's event for that write
// then names a file whose current size, mtime and inode are the catalog's.
// A foreign edit changes at least one of them (an atomic save makes a new
// inode, a write in place a new mtime) and is applied as before; a change
// that keeps all three is one the scan itself cannot see either.
//
// Thread-compatible.

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/error.h"
#include "scan/change_detector.h"
#include "scan/scan_session.h"

namespace phodex::scan {

// Whether each of `names` (entries of folder `listing.rel`, as the
// watcher named them) is as the catalog holds it:
//   - a file the listing shows (one the scan catalogs) has a present row
//     at its rel that ChangeDetector::Unchanged finds unchanged for
//     `wants` (the stages the work would run), and a sidecar is linked to
//     the file the listing says it describes (ChangeDetector's rule);
//   - an entry the listing does not show (gone, a folder, a file the scan
//     leaves out, phodex's own temporary) has no present row at its rel.
// False when the listing holds errors (they are to be recorded) or a name
// is empty (news of the folder itself). One catalog look-up per name.
// REQUIRES: `listing` is one folder's listing (FolderChanges::Folder).
Result<bool> NamedEntriesAsCataloged(catalog::Catalog& catalog, RootId root,
                                     const FolderChanges& listing,
                                     const std::vector<std::string>& names,
                                     const DetectorWants& wants);

}  // namespace phodex::scan
