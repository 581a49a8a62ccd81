#pragma once
// How phodex shows a file: JSON lines, CSV or a human table, written here
// once for the CLI's ls, show and similar and the coming HTTP API, so
// their JSON cannot drift. The JSON field names are a stable interface
// (docs/cli.md, "ls --json"): later issues add fields, never rename them.
// Thread-compatible.

#include <nlohmann/json.hpp>

#include <string>

#include "catalog/catalog.h"
#include "imaging/thumbnail_cache.h"

namespace phodex::library {

// Absolute path of a row: its root's path joined with rel.
std::string AbsolutePath(const catalog::FileRow& row);

// The file's fields, then its metadata fields (with its sidecar's merged
// in), always all present, null when unknown.
// `thumbs_key`: the thumbnail cache's current settings key, for "thumb"
// (true when thumbnails of the current settings were made).
nlohmann::ordered_json FileToJson(const catalog::FileRow& row,
                                  const std::string& thumbs_key);
// `show --json`: FileToJson's fields, then the thumbnail files of `cache`
// (null when none were made with its settings), the decoder, every tag of
// the file (REQUIRES: read with FileQuery::with_tags) and its sidecar.
nlohmann::ordered_json FileDetailsToJson(const catalog::FileRow& row,
                                         const imaging::ThumbnailCache& cache);

// One JSON line; bytes that are not UTF-8 become U+FFFD instead of
// failing.
std::string DumpJson(const nlohmann::ordered_json& j);

// The CSV header and a row (RFC 4180 quoting).
std::string CsvHeader();
std::string FileToCsv(const catalog::FileRow& row);

// "photo   3.2 MiB  2024-05-01T14:34:56+02:00  /path" (+ " [removed]"),
// the path escaped for a terminal (util::EscapeForTerminal).
std::string FileToText(const catalog::FileRow& row);

}  // namespace phodex::library
