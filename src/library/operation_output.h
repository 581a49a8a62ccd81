#pragma once
// How phodex shows an operation (a row of `phodex ops`) and a recorded
// file error as JSON, written here once for the CLI's `ops --json` and
// `ops --errors --json` and the coming HTTP API, so their JSON cannot
// drift. The field names are a stable interface (docs/cli.md, "phodex
// ops"): later issues add fields, never rename them. Thread-compatible.

#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"

namespace phodex::library {

// id, type, root (null when none), scope, status, started, ended and
// duration_s (null while running), the counts, error (null when none),
// pid, host, and checkpoint (only when one is recorded).
nlohmann::json OperationToJson(const catalog::Operation& op);

// The width of the type column of `phodex ops` and `phodex status`'s
// recent operations: the longest type among `ops`, at least 6 (the
// column's width before the service's "startup", "scheduled",
// "drive-returned", ... existed, so lists of short types print as they
// always did).
int OperationTypeWidth(const std::vector<catalog::Operation>& ops);

// operation, path, op, reason, at.
nlohmann::json FileErrorToJson(const catalog::FileErrorRow& row);

}  // namespace phodex::library
