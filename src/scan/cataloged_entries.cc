#include "scan/cataloged_entries.h"

#include <algorithm>
#include <optional>

#include "os/file_system.h"

namespace phodex::scan {
namespace {

// The present row at exactly `rel` (a prefix look-up also finds what lies
// below a folder of that name).
Result<std::optional<catalog::KnownFile>> PresentRow(catalog::Catalog& catalog,
                                                     RootId root,
                                                     const std::string& rel) {
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::KnownFile> rows,
                          catalog.ListKnownFiles(root, rel, std::nullopt, 1));
  if (rows.empty() || rows[0].rel != rel) return std::nullopt;
  return std::move(rows[0]);
}

}  // namespace

Result<bool> NamedEntriesAsCataloged(catalog::Catalog& catalog, RootId root,
                                     const FolderChanges& listing,
                                     const std::vector<std::string>& names,
                                     const DetectorWants& wants) {
  if (!listing.errors.empty()) return false;
  PHODEX_CHECK(listing.extent == FolderChanges::Extent::kFolder &&
               listing.folders.size() == 1);
  const std::vector<WalkEntry>& files = listing.folders[0].files;
  for (const std::string& name : names) {
    if (name.empty()) return false;
    const std::string rel = os::JoinPath(listing.rel, name);
    PHODEX_ASSIGN_OR_RETURN(const std::optional<catalog::KnownFile> row,
                            PresentRow(catalog, root, rel));
    const auto file = std::ranges::find(files, name, &WalkEntry::name);
    if (file == files.end()) {
      if (row) return false;  // gone from the disk, not from the catalog
      continue;
    }
    if (!row || !ChangeDetector::Unchanged(*row, file->stat, wants)) {
      return false;
    }
    if (file->kind == MediaKind::kSidecar) {
      const std::string target = ChangeDetector::SidecarTarget(name, files);
      const std::string target_rel =
          target.empty() ? std::string() : os::JoinPath(listing.rel, target);
      if (target_rel != row->sidecar_target) return false;
    }
  }
  return true;
}

}  // namespace phodex::scan
