#pragma once
// Internal to catalog/sqlite: the `pixels` table (schema v5,
// docs/catalog.md) and capture pairs (RAW+JPEG), shared by the statements
// that write and read them.

#include <optional>
#include <string>

#include "catalog/catalog.h"
#include "catalog/sqlite/sqlite_db.h"

namespace phodex::catalog::sqlite {

// The columns of `pixels` after hash, in the order Bind/Read use.
inline constexpr const char* kPixelColumns =
    "version, thumbs, thumb_bytes, error, width, height, decoded_by, phash, "
    "phash90, phash180, phash270, sharpness, exposure, clipped_highlights, "
    "clipped_shadows, noise, at";
inline constexpr int kPixelColumnCount = 17;

// kPixelColumns with each name prefixed by `alias`.
std::string PixelColumns(const char* alias);
// "INSERT OR REPLACE INTO pixels(hash, <columns>) VALUES(?1, ...)".
std::string UpsertPixelsSql();
// Binds hash as ?1 and the facts as ?2 .. ?18.
void BindPixels(Stmt& s, const ContentHash& hash, const PixelFacts& f);
// Reads the columns starting at `first` (kPixelColumns order); a null
// `version` means no row.
std::optional<PixelFacts> ReadPixels(const Stmt& s, int first);

// The statement FindCapturePartner runs; prepare once, reuse per row.
inline constexpr const char* kCapturePartnersSql =
    "SELECT f.id, f.rel, m.taken FROM files f "
    "LEFT JOIN metadata m ON m.file_id = f.id "
    "WHERE f.root_id = ?1 AND f.rel >= ?2 AND f.rel < ?3 AND f.present = 1 "
    "AND f.id <> ?4 AND f.kind IN ('photo', 'raw', 'video') ORDER BY f.id";

// The capture partner of a photo, RAW or video (FileRow::pair), with
// `stmt` prepared from kCapturePartnersSql.
Result<std::optional<FileId>> FindCapturePartner(
    Stmt& stmt, const FileRow& row);

}  // namespace phodex::catalog::sqlite
