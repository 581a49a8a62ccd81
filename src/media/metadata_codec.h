#pragma once
// MediaMetadata <-> JSON, for the wire between the scan and its extractor
// workers (media/extractor_pool.h). The normalised fields travel as one
// JSON object with the names of `ls --json` (docs/cli.md); the tags
// document travels beside it unparsed, as the catalog stores it.
// Pure functions; thread-safe.

#include <string>
#include <string_view>

#include "core/error.h"
#include "core/media_metadata.h"

namespace phodex::media {

// The normalised fields (not tags_json) as a compact JSON object.
std::string FieldsToJson(const MediaMetadata& m);
// Parses FieldsToJson's output into `m`'s normalised fields (tags_json is
// left alone). kCorrupt on malformed input.
Status FieldsFromJson(std::string_view json, MediaMetadata& m);

}  // namespace phodex::media
