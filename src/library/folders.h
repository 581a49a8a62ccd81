#pragma once
// The folder tree of a root, as the API's folders resource shows it
// (docs/api.md, "Folders"): each folder's direct subfolders, with the
// present media files (photos, RAWs, videos) in each and below it, those
// directly in it, and a cover (the subtree's newest captured photo).
//
// Folders come from the catalog's rels, never from the disk: a folder is
// listed while some present media file lies in it or below it. The
// figures are computed once per root and catalog content version
// (catalog::FolderIndex::ContentVersion: one pass over the root's present
// files, FolderIndex::TallyFolders) and kept in a FolderCache that every
// request thread shares; a page is then a binary search and a copy,
// whatever the size of the library. A write to the catalog (a scan, the
// service, a rating) makes the next request rebuild the tree of the root
// it asks for.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "catalog/folder_index.h"
#include "core/error.h"
#include "library/library.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace phodex::library {

// One folder with its figures.
struct FolderEntry {
  std::string rel;   // in its root; "" = the root
  std::string name;  // the last segment of rel; "" for the root
  int64_t media = 0;         // present media files in it and below
  int64_t direct_media = 0;  // of which directly in it
  int64_t subfolders = 0;    // direct subfolders listed
  // The newest captured photo or RAW in it and below (capture time, then
  // greatest id); null when none has a capture time.
  std::optional<FileId> cover;
};

// The folders of one root at one content version. Immutable once built;
// thread-safe to read.
class FolderTree {
 public:
  // From the tallies of TallyFolders (rel order); folders between the
  // root and a tallied folder are made with no direct files.
  static std::shared_ptr<const FolderTree> Build(
      std::vector<catalog::FolderTally> tallies);

  // The folder at `rel`, or null.
  const FolderEntry* Find(std::string_view rel) const;
  // The direct subfolders of the folder at `rel` (REQUIRES: Find(rel))
  // whose name is greater than `after` (byte order), at most `limit`, in
  // name order; `more` says whether others follow.
  struct Children {
    std::vector<const FolderEntry*> folders;
    bool more = false;
  };
  Children ChildrenOf(std::string_view rel, std::string_view after,
                      size_t limit) const;
  size_t size() const { return nodes_.size(); }

 private:
  struct Node {
    FolderEntry entry;
    std::string cover_taken;
    std::vector<size_t> children;  // by name
  };
  std::vector<Node> nodes_;  // [0] is the root
  std::unordered_map<std::string, size_t> by_rel_;
};

// The trees of the roots asked for, each valid for one content version,
// and the catalog's counts per root and kind (catalog::FileQueries::Stats,
// two passes over the files: GET /api/v1/roots's figures), likewise.
// Thread-safe: one object serves every request thread (server::Api holds
// it); each caller passes its own catalog connection. One figure is
// computed at a time (a thread that finds another computing waits, then
// takes its result), so a burst of requests after a change costs one pass.
class FolderCache {
 public:
  // The tree of `root` as the catalog holds it now.
  Result<std::shared_ptr<const FolderTree>> Tree(catalog::FolderIndex& cat,
                                                 RootId root);
  // cat.Stats() as the catalog holds it now.
  Result<std::shared_ptr<const catalog::CatalogStats>> Stats(
      catalog::Catalog& cat);

 private:
  struct Entry {
    int64_t version = 0;
    std::shared_ptr<const FolderTree> tree;
  };
  util::Mutex build_mu_;  // held while a figure is computed
  util::Mutex mu_;
  std::map<int64_t, Entry> trees_ GUARDED_BY(mu_);
  int64_t stats_version_ GUARDED_BY(mu_) = 0;
  std::shared_ptr<const catalog::CatalogStats> stats_ GUARDED_BY(mu_);
};

// --- Use case --------------------------------------------------------------

struct ListFoldersRequest {
  int64_t root = 0;
  // The folder whose subfolders are listed, a rel in the root ("" = the
  // root). See ValidateFolderRel.
  std::string parent;
  // Names greater than this only (the last name of the previous page).
  std::string after;
  size_t limit = 200;
};
inline constexpr size_t kDefaultFolderPage = 200;
inline constexpr size_t kMaxFolderPage = 1000;

struct FolderPage {
  FolderEntry parent;
  std::vector<FolderEntry> folders;  // by name, byte order
  // The name the next page starts after; null after the last page.
  std::optional<std::string> next_after;
};

// A folder rel as a client may send it: "" or segments joined by '/',
// none empty, "." or ".."; no leading or trailing '/', no NUL; at most
// 4096 bytes. kInvalidArgument saying why. (Nothing is looked up on disk:
// the rel is only compared with the catalog's.)
Status ValidateFolderRel(std::string_view rel);

// One page of a folder's subfolders. kNotFound for a root that is not in
// use or a folder with no present media files in or below it (the root
// itself is always there, empty or not); kInvalidArgument for a bad
// parent or a limit outside 1..kMaxFolderPage.
Result<FolderPage> ListFolders(Library& lib, FolderCache& cache,
                               const ListFoldersRequest& req);

// {"rel", "name", "media", "direct_media", "subfolders", "cover"}: rel and
// name escaped as util::EscapeBytes, cover a file id or null.
nlohmann::ordered_json FolderToJson(const FolderEntry& folder);

}  // namespace phodex::library
