#pragma once
// The use case of `phodex similar` (and later the API's similar groups):
// photos whose perceptual hashes are close (dedup/similar_groups.h), one
// item per distinct content, since exact copies are `dupes`' business.
// The JSON of a group is library/group_output.h's. Thread-compatible.

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "jobs/cancel_token.h"
#include "catalog/types.h"
#include "library/library.h"

namespace phodex::library {

struct SimilarRequest {
  // Roots, folders or files as typed; empty: everything cataloged.
  std::vector<std::string> paths;
  // Bits two perceptual hashes may differ by; unset: the settings'
  // ([similar] threshold).
  std::optional<int> threshold;
  // Also group a RAW with its JPEG (two captures of one shot); by default
  // such a pair is never one group.
  bool include_pairs = false;
};

// One group: absolute paths (bytes as stored), most alike first as
// dedup::FindSimilarGroups orders them.
struct SimilarPhotoGroup {
  std::vector<std::string> paths;
  int max_distance = 0;
};

struct SimilarResult {
  std::vector<SimilarPhotoGroup> groups;
  int64_t distinct_photos = 0;  // photos and RAWs with a perceptual hash
  int threshold = 0;            // the threshold used
};

// Reads only. Errors: a path in no root (kNotFound), the catalog's. The
// search is quick (an in-memory index); `cancel` is checked before it.
Result<SimilarResult> FindSimilar(Library& lib, const SimilarRequest& request,
                                  const jobs::CancelToken& cancel);

// --- The HTTP API's similar groups (docs/api.md, "Duplicates") ------------
// A request reads at most this many files of its scope (in the catalog's
// (root, path) order): the search over a whole large library takes
// seconds (docs/similar.md), which `phodex similar` may spend and a
// request may not.
inline constexpr int64_t kSimilarScopeMaxFiles = 20000;

struct SimilarScopeRequest {
  std::optional<RootId> root;  // null: every root
  std::string folder;          // a path in `root` ("": the whole root)
  std::optional<int> threshold;  // as SimilarRequest's
  bool include_pairs = false;
};

struct SimilarRowsGroup {
  std::vector<catalog::FileRow> files;  // one per distinct content
  int max_distance = 0;
};

struct SimilarScopeResult {
  std::vector<SimilarRowsGroup> groups;
  int64_t distinct_photos = 0;
  int64_t files_read = 0;
  bool truncated = false;  // the scope holds more than kSimilarScopeMaxFiles
  int threshold = 0;
  std::string thumbs_key;  // the thumbnail cache's, for FileToJson
};

// FindSimilar over the files of one root's folder (no path is resolved on
// disk: `folder` is matched against the catalog's paths), reading at most
// kSimilarScopeMaxFiles files of it. Reads only. Errors: kNotFound for a
// root that is not in the catalog; the catalog's.
Result<SimilarScopeResult> FindSimilarInScope(
    Library& lib, const SimilarScopeRequest& request,
    const jobs::CancelToken& cancel);

}  // namespace phodex::library
