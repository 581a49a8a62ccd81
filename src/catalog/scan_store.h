#pragma once
// What a scan writes and the facts it loads (docs/catalog.md, tables
// `files`, `metadata`, `file_errors`). Part of catalog::Catalog
// (catalog.h).
//
// Two rules every backend keeps when it applies a batch (they were SQL
// only; the contract suite, tests/catalog/catalog_contract_test.cc, pins
// them):
//   1. Hashes: a FileUpsert whose quick_hash, hash or sha256 is null keeps
//      the stored value when size, mtime and inode are unchanged, and
//      clears it otherwise (the content may have changed). A non-null one
//      is stored.
//   2. Metadata: a file's metadata belongs to the version of the file it
//      was read from. An upsert whose size, mtime or inode differs from
//      the stored row's drops the stored metadata, then stores the
//      upsert's metadata if it carries some; with the stat unchanged, a
//      null metadata keeps the stored one.
// They stay in the backend (stated here, not computed in C++) because
// the backend compares with the stored row inside the statement that
// writes it: computing them in C++ would need every stored row read before
// it is written, and a second writer could change it in between.
//
// Thread-compatible.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/types.h"
#include "core/error.h"

namespace phodex::catalog {

class ScanStore {
 public:
  virtual ~ScanStore() = default;

  // Starts a new scan generation of `root` and returns it (kNotFound: no
  // such root).
  virtual Result<int64_t> NextScanGeneration(RootId root) = 0;

  // Up to `limit` present files of `root` whose rel is `rel_prefix` or
  // lies below it ("" = the whole root), ordered by rel, with rel greater
  // than `after_rel` (null: from the first). The next page starts after
  // the last rel returned; a page shorter than `limit` is the last.
  virtual Result<std::vector<KnownFile>> ListKnownFiles(
      RootId root, std::string_view rel_prefix,
      const std::optional<std::string>& after_rel, size_t limit) = 0;

  // As ListKnownFiles, but only the files of folder `folder` itself ("" =
  // the root's top folder), none below it: a watcher's look at one folder
  // reads that folder's rows, not its whole sub-tree (the top folder's
  // would be the whole root). Its cost grows with the folder's files and
  // its sub-folders, not with what lies below them.
  virtual Result<std::vector<KnownFile>> ListFolderFiles(
      RootId root, std::string_view folder,
      const std::optional<std::string>& after_rel, size_t limit) = 0;

  // Calls `fn` for every file ListKnownFiles lists (kSubTree) or
  // ListFolderFiles lists (kFolderOnly), reading pages of kKnownFilePage
  // rows: no read is open while `fn` runs, so it may take its time. Rows
  // written meanwhile may or may not be seen.
  enum class Depth { kSubTree, kFolderOnly };
  Status ForEachKnownFile(RootId root, std::string_view rel_prefix,
                          const std::function<void(KnownFile&&)>& fn,
                          Depth depth = Depth::kSubTree);
  static constexpr size_t kKnownFilePage = 1000;

  // Applies the batch in one transaction: upserts (rules 1 and 2 above),
  // then links, then removals (marked removed, never deleted), file
  // errors, and the operation's counts and checkpoint (when op != 0).
  virtual Status ApplyBatch(const ScanBatch& batch) = 0;
  // Records the end of a completed scan.
  virtual Status SetRootScanned(RootId root, int64_t now_ns) = 0;
  // Stores full hashes (and SHA-256 where given; a null sha256 keeps the
  // stored one) computed outside a scan (verify, duplicates), in one
  // transaction.
  virtual Status SetHashes(const std::vector<HashUpdate>& updates) = 0;

  // Stores metadata read outside a scan, in one transaction: for each
  // update whose file is present with exactly that stat, its metadata
  // (replacing any), last_error and content_version; the others (the file
  // changed or went since) are left alone. Returns how many were stored.
  virtual Result<int64_t> SetMetadata(
      const std::vector<MetadataUpdate>& updates) = 0;
  // Up to `limit` present files in `scope` (root, rel_prefix; presence,
  // kind and limit ignored) whose content_version is `content_version`,
  // with id > `after`, by id: the files a scan without the metadata stage
  // left for "metadata" jobs.
  virtual Result<std::vector<FileState>> ListFilesAtContentVersion(
      const FileQuery& scope, int content_version, FileId after,
      int64_t limit) = 0;
};

}  // namespace phodex::catalog
