#pragma once
// The operations (scans, verifies, rates, dupes runs: `phodex ops`) and
// the per-file problems they met (docs/catalog.md, tables `operations`,
// `file_errors`). Part of catalog::Catalog (catalog.h); jobs::
// OperationScope (jobs/operation_scope.h) begins and always finishes one.
//
// Thread-compatible.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catalog/types.h"
#include "core/error.h"

namespace phodex::catalog {

// Which operations a page of the history holds (ListOperationsPage).
struct OperationFilter {
  // Keyset cursor: only ids smaller than this (the last id of the page
  // before).
  std::optional<OperationId> before;
  std::optional<std::string> type;  // only this type ("scan", ...)
  std::optional<int64_t> limit;     // REQUIRES: >= 0
};

class OperationLog {
 public:
  virtual ~OperationLog() = default;

  // Records `op` as running (its status is ignored) and returns its id;
  // ids grow.
  virtual Result<OperationId> BeginOperation(const Operation& op) = 0;
  // Records how operation `id` ended, with its final counts and error
  // ("" for none).
  virtual Status FinishOperation(OperationId id, OperationStatus status,
                                 const OperationCounts& counts,
                                 const std::string& error,
                                 int64_t now_ns) = 0;
  // Marks every operation of `root` still "running" as interrupted (the
  // caller holds the root's lock, so their processes are gone). Returns
  // them.
  virtual Result<std::vector<Operation>> InterruptStaleOperations(
      RootId root, int64_t now_ns) = 0;
  // Marks as interrupted every operation still "running" that was begun on
  // `host` and whose process `gone` says has ended (kill -9, a crash, a
  // power cut: it could not end the operation itself). Returns them.
  // `gone` runs before anything is written.
  virtual Result<std::vector<Operation>> InterruptOrphanedOperations(
      const std::string& host,
      const std::function<bool(const Operation&)>& gone, int64_t now_ns) = 0;
  // Deletes operation `id` when it completed without changing anything:
  // nothing added, updated, removed or moved, no errors counted and none
  // recorded (the serve engine's look at a folder that found all as the
  // catalog had it). Returns whether it did; any other operation stays.
  virtual Result<bool> DropUnchangedOperation(OperationId id) = 0;
  // Records per-file problems of operation `op` that no scan batch
  // carries (`phodex ops --errors`), in one transaction.
  virtual Status RecordFileErrors(OperationId op,
                                  const std::vector<FileErrorEntry>& errors,
                                  int64_t now_ns) = 0;
  // The newest operations first, at most `limit` (null: all).
  // REQUIRES: *limit >= 0.
  virtual Result<std::vector<Operation>> ListOperations(
      std::optional<int64_t> limit) = 0;
  // The operations matching `filter`, newest (greatest id) first, over an
  // index (the primary key, or (type, id) with a type): a page costs its
  // length, whatever the history's.
  virtual Result<std::vector<Operation>> ListOperationsPage(
      const OperationFilter& filter) = 0;
  // Operation `id`; nullopt when there is none.
  virtual Result<std::optional<Operation>> GetOperation(OperationId id) = 0;
  // The newest file errors first, of operation `op` (null: of all), at
  // most `limit` (null: all). REQUIRES: *limit >= 0.
  virtual Result<std::vector<FileErrorRow>> ListFileErrors(
      std::optional<OperationId> op, std::optional<int64_t> limit) = 0;
};

}  // namespace phodex::catalog
