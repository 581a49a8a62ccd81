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

}  // namespace phodex::library
