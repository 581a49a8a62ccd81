#pragma once
// Internal to catalog/sqlite: the `metadata` table (schema v4,
// docs/catalog.md) and its columns, shared by the statements that write
// and read it.

#include <optional>
#include <string>

#include "catalog/sqlite/sqlite_db.h"
#include "core/media_metadata.h"

namespace phodex::catalog::sqlite {

// The columns of `metadata` after file_id, in the order Bind/Read use.
// "tags" comes last so readers can leave it out.
inline constexpr const char* kMetadataColumns =
    "mime, width, height, orientation, taken, make, model, lens, "
    "exposure_time, f_number, iso, focal_length, gps_lat, gps_lon, gps_alt, "
    "rating, label, keywords, title, description, duration, codec, tags";
inline constexpr int kMetadataColumnCount = 23;

// kMetadataColumns with each name prefixed by `alias` ("m" -> "m.mime, ...").
std::string MetadataColumns(const char* alias);

// "INSERT OR REPLACE INTO metadata(file_id, <columns>) VALUES(?1, ...)".
std::string UpsertMetadataSql();
// Binds file_id as ?1 and the fields as ?2.. ?24.
void BindMetadata(Stmt& s, int64_t file_id, const MediaMetadata& m);

// Reads the columns starting at `first` (kMetadataColumns order, with
// "tags" only when `with_tags`) prefixed by a non-null marker column at
// `first - 1` (e.g. m.file_id): a null marker means no metadata.
std::optional<MediaMetadata> ReadMetadata(const Stmt& s, int first,
                                          bool with_tags);

}  // namespace phodex::catalog::sqlite
