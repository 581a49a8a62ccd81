#pragma once
// The catalog: the one interface every other module sees. All SQL lives
// behind it (../shared/STYLE.md). The embedded backend is SQLite
// (catalog/sqlite); a PostgreSQL backend implements the same interface, so
// nothing here names a SQLite type. Paths are byte strings (file names need
// not be UTF-8) and are stored byte-exact. The schema is described in
// docs/catalog.md.
//
// Thread-compatible: one Catalog object is used by one thread at a time.
// Several processes may open the same catalog; the backend serialises their
// writes (see docs/architecture.md, "Two processes").

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/content_hash.h"
#include "core/error.h"
#include "core/media_kind.h"
#include "core/media_metadata.h"
#include "core/root_identity.h"
#include "core/types.h"

namespace phodex::catalog {

struct Root {
  RootId id;
  std::string path;  // absolute, canonical
  std::string name;
  int64_t added_ns = 0;
  std::optional<int64_t> last_scanned_ns;
  int64_t scan_gen = 0;  // generation of the last scan started
  // What tells its drive from an empty mount point (schema v7; see
  // scan/root_identity.h). Null for a root added before v7 until a scan
  // records it.
  std::optional<RootIdentity> identity;
};

// The facts change detection needs about a file the catalog holds as
// present, loaded once per scan.
struct KnownFile {
  FileId id;
  std::string rel;
  int64_t size = 0;
  FileTime mtime;
  uint64_t ino = 0;
  MediaKind kind = MediaKind::kOther;
  // For sidecars: rel of the media file it is linked to ("" if none).
  std::string sidecar_target;
  // Version of the content stages that last processed the file (0: none,
  // the file was only discovered). See scan/stage.h.
  int content_version = 0;
  bool has_hash = false;    // full XXH3-128 known
  bool has_sha256 = false;
};

// A new or changed file, as the scan saw it.
struct FileUpsert {
  std::string rel;
  FileStat stat;
  MediaKind kind = MediaKind::kOther;
  std::optional<std::string> error;  // e.g. signature mismatch; null clears
  int content_version = 0;            // stages that ran on it (0: none)
  // Hashes the stages computed. A null hash keeps the stored one when
  // size, mtime and inode are unchanged, and clears it otherwise.
  std::optional<ContentHash> quick_hash;
  std::optional<ContentHash> hash;
  std::optional<std::string> sha256;  // 32 raw bytes
  // What the metadata stage read. Like the hashes, a null keeps the stored
  // metadata when size, mtime and inode are unchanged, and clears it
  // otherwise.
  std::optional<MediaMetadata> metadata;
};

// Links a sidecar to the media file it describes (same root). A null target
// unlinks it.
struct SidecarLink {
  std::string sidecar_rel;
  std::optional<std::string> target_rel;
};

struct FileErrorEntry {
  std::string path;  // absolute
  std::string op;    // "stat", "open directory", ...
  std::string reason;
};

struct OperationCounts {
  int64_t scanned = 0;
  int64_t added = 0;
  int64_t updated = 0;
  int64_t removed = 0;
  int64_t errors = 0;
  int64_t moved = 0;  // not counted in added or removed
};

// A removed file and a present file of the same size and quick hash that
// was first seen after the removed one was last seen: maybe the same
// file, moved.
struct MoveCandidate {
  FileId removed_id;
  std::string removed_rel;
  std::optional<ContentHash> removed_hash;  // full hash, if known
  bool removed_by_scan = false;  // marked removed by the asking scan
  FileId new_id;
  std::string new_root_path;
  std::string new_rel;
  bool added_by_scan = false;  // added by the asking scan
};

// What a scan session removed and wrote, for FindMoveCandidatesAmong.
struct MoveSearch {
  RootId root;
  int64_t gen = 0;
  std::vector<FileId> removed;  // files the session marked removed
  // Rels (in `root`) of the files the session added or rewrote (a rewrite
  // may give a discovered file its first quick hash). The batch writes
  // return no ids, so the session keeps rels. nullopt: too many to list;
  // then every present file of `root` whose scan_gen is `gen`.
  std::optional<std::vector<std::string>> written;
};

// Everything one transaction of the scan writes. Applied atomically.
struct ScanBatch {
  RootId root;
  OperationId op;
  int64_t scan_gen = 0;
  int64_t now_ns = 0;
  std::vector<FileUpsert> upserts;
  std::vector<SidecarLink> links;      // applied after upserts
  std::vector<FileId> removals;        // marked removed, never deleted
  // When the removed files were last known present: the end of the
  // root's previous completed scan (0: never). Becomes their last_seen.
  int64_t removals_last_seen_ns = 0;
  std::vector<FileErrorEntry> errors;
  // Progress written with the batch, so a crash leaves a checkpoint that
  // agrees with what was committed.
  OperationCounts counts;
  std::string checkpoint;  // JSON, see docs/catalog.md
};

enum class OperationStatus { kRunning, kCompleted, kFailed, kInterrupted };
const char* OperationStatusName(OperationStatus s);

struct Operation {
  OperationId id;
  std::string type;  // "scan", later "reconcile", ...
  std::optional<RootId> root;
  std::string root_name;  // "" when the root is gone
  std::string scope;      // rel prefix of a partial scan; "" = whole root
  int64_t started_ns = 0;
  std::optional<int64_t> ended_ns;
  OperationStatus status = OperationStatus::kRunning;
  OperationCounts counts;
  std::string error;
  std::string checkpoint;
  int pid = 0;
  std::string host;
};

// What the pixel stage (imaging/renderer.h) learnt from one decode of a
// content, stored per content hash (table `pixels`, docs/catalog.md): a
// moved or copied file shares it; a changed file has another hash.
struct PixelFacts {
  int version = 0;          // imaging::kPixelVersion that computed it
  // Settings key (imaging::ThumbnailCache::settings_key) of the thumbnails
  // made, "" when none were.
  std::string thumbs_key;
  int64_t thumb_bytes = 0;  // bytes of those thumbnails in the cache
  // Why the content could not be decoded; then nothing below is set.
  std::optional<std::string> error;
  int width = 0;            // source size as displayed
  int height = 0;
  std::string decoded_by;   // imaging::DecodePathName
  uint64_t phash = 0;
  std::array<uint64_t, 3> phash_rotated{};  // turned 90, 180, 270 degrees
  double sharpness = 0;
  double exposure = 0;
  double clipped_highlights = 0;
  double clipped_shadows = 0;
  double noise = 0;
  int64_t at_ns = 0;
};

struct PixelUpdate {
  ContentHash hash;
  PixelFacts facts;
};

// A present photo, RAW or video that the pixel stage may have to process.
struct PixelCandidate {
  FileId id;
  std::string root_path;
  std::string rel;
  MediaKind kind = MediaKind::kOther;
  int64_t size = 0;
  FileTime mtime;
  // Width x height from the metadata, 0 when unknown.
  int64_t pixels = 0;
  std::optional<ContentHash> hash;
  // The stored facts for `hash`, if any (without `error` text details).
  std::optional<int> pixel_version;
  std::string thumbs_key;
  bool pixel_error = false;
};

struct PixelTotals {
  int64_t contents = 0;     // distinct contents with pixel facts
  int64_t errors = 0;       // of which could not be decoded
  int64_t thumbnailed = 0;  // with thumbnails of `thumbs_key`
  int64_t thumb_bytes = 0;  // their bytes in the cache
};

struct FileQuery {
  std::optional<RootId> root;
  std::string rel_prefix;  // "" = all; "a/b" = that folder or file
  std::optional<MediaKind> kind;
  enum class Presence { kPresent, kRemoved, kAll } presence = Presence::kPresent;
  int64_t limit = -1;  // -1: no limit
  // Also load every tag (FileRow::metadata->tags_json and
  // sidecar_tags_json): `show` wants them, listings don't.
  bool with_tags = false;
  // Also find each photo's capture partner (FileRow::pair): one indexed
  // lookup per row.
  bool with_pairs = false;
};

struct FileRow {
  FileId id;
  RootId root;
  std::string root_path;
  std::string root_name;
  std::string rel;
  int64_t size = 0;
  FileTime mtime;
  uint64_t dev = 0;
  uint64_t ino = 0;
  MediaKind kind = MediaKind::kOther;
  bool present = true;
  int64_t first_seen_ns = 0;
  int64_t last_seen_ns = 0;
  std::optional<int64_t> removed_ns;
  std::string last_error;
  std::optional<FileId> sidecar_of;
  std::optional<ContentHash> quick_hash;
  std::optional<ContentHash> hash;
  std::optional<std::string> sha256;
  // The file's metadata with its XMP sidecar's merged in (the sidecar wins
  // for rating, label, keywords, title and description; see
  // MergeSidecar in core/media_metadata.h). Null when never read.
  std::optional<MediaMetadata> metadata;
  // The sidecar merged in (rel in the same root), if any, and its tags
  // (with FileQuery::with_tags).
  std::optional<std::string> sidecar_rel;
  std::string sidecar_tags_json;
  // What the pixel stage knows of the file's content (by hash).
  std::optional<PixelFacts> pixels;
  // With FileQuery::with_pairs: another capture of the same shot (a RAW
  // and its JPEG): same folder, same name but the extension, a photo, RAW
  // or video, and the same capture time (both to the second, or both
  // unknown). The lowest id when there are several.
  std::optional<FileId> pair;
};

struct KindCount {
  MediaKind kind;
  int64_t present = 0;
  int64_t removed = 0;
  int64_t present_bytes = 0;
};

struct RootStats {
  Root root;
  int64_t present = 0;
  int64_t removed = 0;
  int64_t bytes = 0;
};

struct CatalogStats {
  std::vector<KindCount> kinds;
  std::vector<RootStats> roots;
  int64_t file_errors = 0;
};

struct FileErrorRow {
  OperationId op;
  std::string path;
  std::string op_name;
  std::string reason;
  int64_t at_ns = 0;
};

struct SchemaStatus {
  int current = 0;  // 0: empty catalog
  int latest = 0;
  std::vector<std::pair<int, std::string>> pending;  // version, description
};

// A present file whose size another present file shares: the starting
// point of exact duplicate detection.
struct SizeTwin {
  FileId id;
  std::string root_path;
  std::string rel;
  int64_t size = 0;
  uint64_t dev = 0;
  uint64_t ino = 0;
  FileTime mtime;
  std::optional<ContentHash> quick_hash;
  std::optional<ContentHash> hash;
};

// Full hashes computed outside a scan (verify, duplicates).
struct HashUpdate {
  FileId id;
  ContentHash hash;
  std::optional<std::string> sha256;
};

enum class Purge { kNo, kYes };

// What Catalog::CopyReadableRowsTo carried over from one table.
struct SalvagedTable {
  std::string table;
  int64_t copied = 0;
  // Rows (or, under a damaged index page, row ids) that could not be read,
  // and rows dropped afterwards because what they belong to was lost (a
  // file whose root is gone).
  int64_t lost = 0;
  // false: reading stopped before the end (the table's first page or its
  // schema is unreadable); `lost` does not count what was not reached.
  bool complete = true;
};

struct SalvageReport {
  std::vector<SalvagedTable> tables;
};

class Catalog {
 public:
  virtual ~Catalog() = default;

  // --- Roots -------------------------------------------------------------
  // Fails with kAlreadyExists if the path or name is taken.
  virtual Result<Root> AddRoot(const std::string& path,
                               const std::string& name, int64_t now_ns) = 0;
  // The roots in use (not removed).
  virtual Result<std::vector<Root>> ListRoots() = 0;
  // kNo keeps the root's row, its files (marked removed) and its history,
  // and frees its path and name for a new root; kYes deletes them all.
  virtual Status RemoveRoot(RootId root, Purge purge, int64_t now_ns) = 0;
  // Records (replaces) the root's identity.
  virtual Status SetRootIdentity(RootId root, const RootIdentity& identity) = 0;

  // --- Scans -------------------------------------------------------------
  // Starts a new scan generation of `root` and returns it.
  virtual Result<int64_t> NextScanGeneration(RootId root) = 0;
  // Calls `fn` for every present file of `root` whose rel is `rel_prefix`
  // or lies below it ("" = the whole root). Streams; no result set is held.
  virtual Status ForEachKnownFile(
      RootId root, std::string_view rel_prefix,
      const std::function<void(KnownFile&&)>& fn) = 0;
  // Applies the batch in one transaction.
  virtual Status ApplyBatch(const ScanBatch& batch) = 0;
  // Records the end of a completed scan.
  virtual Status SetRootScanned(RootId root, int64_t now_ns) = 0;

  // Every pair (removed file, present file) of equal size and quick hash
  // where the present file was first seen after the removed one was last
  // seen (so both never existed side by side: not a copy). Any roots.
  // Flags are relative to the scan (`root`, `gen`) asking. Ordered by
  // present file, then most recently removed first.
  virtual Result<std::vector<MoveCandidate>> FindMoveCandidates(
      RootId root, int64_t gen) = 0;
  // FindMoveCandidates restricted to what one scan session (`root`, `gen`,
  // scan/scan_session.h) just did: the pairs whose removed file is one of
  // `removed` or whose present file is one the session wrote, so a watcher
  // reconciling one folder never pairs unrelated files of other roots.
  // Same flags and order. Cost bounded by the session's size: ids and rels
  // go in chunks through the primary key, the (root_id, rel) index and the
  // quick-hash indexes.
  virtual Result<std::vector<MoveCandidate>> FindMoveCandidatesAmong(
      const MoveSearch& search) = 0;
  // How many of the present files `ids` (a scan did not find them) have a
  // present file elsewhere (any root) of the same non-zero size and quick
  // hash, first seen after `last_seen_ns`: the files FindMoveCandidates
  // would pair once they are marked removed with that last_seen. An
  // estimate (the full hash is not compared) for the removal limit.
  virtual Result<int64_t> CountLikelyMoves(const std::vector<FileId>& ids,
                                           int64_t last_seen_ns) = 0;
  // The removed file takes over the new file's place (root, path, stat,
  // hashes) and is present again, keeping its id and everything attached
  // to it; the new file's row is dropped. One transaction.
  virtual Status ApplyMove(FileId removed_id, FileId new_id,
                           std::optional<ContentHash> confirmed_hash) = 0;

  // Every present, non-empty file whose size is shared by another present
  // file, ordered by size. Streams.
  virtual Status ForEachSizeTwin(
      const std::function<void(SizeTwin&&)>& fn) = 0;

  // Stores full hashes (and SHA-256 where given) in one transaction.
  virtual Status SetHashes(const std::vector<HashUpdate>& updates) = 0;

  // --- Pixels ------------------------------------------------------------
  // Up to `limit` present photos, RAWs and videos in `scope` (root,
  // rel_prefix; presence and kind ignored) with id > `after`, by id: the
  // pixel stage's work list, paged so a 500,000-file library is never
  // held in memory.
  virtual Result<std::vector<PixelCandidate>> ListPixelCandidates(
      const FileQuery& scope, FileId after, int64_t limit) = 0;
  // Stores (replaces) the facts of each content, in one transaction.
  virtual Status SetPixels(const std::vector<PixelUpdate>& updates) = 0;
  // Calls `fn` with the hash of every present file (duplicates possible):
  // what the thumbnail cache must keep.
  virtual Status ForEachPresentHash(
      const std::function<void(const ContentHash&)>& fn) = 0;
  // Totals over the pixel facts of present files' contents, counting
  // thumbnails made with `thumbs_key`.
  virtual Result<PixelTotals> GetPixelTotals(const std::string& thumbs_key) = 0;

  // --- Operations --------------------------------------------------------
  virtual Result<OperationId> BeginOperation(const Operation& op) = 0;
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
  virtual Result<std::vector<Operation>> InterruptOrphanedOperations(
      const std::string& host,
      const std::function<bool(const Operation&)>& gone, int64_t now_ns) = 0;
  // Records per-file problems of operation `op` that no scan batch
  // carries (`phodex ops --errors`), in one transaction.
  virtual Status RecordFileErrors(OperationId op,
                                  const std::vector<FileErrorEntry>& errors,
                                  int64_t now_ns) = 0;
  virtual Result<std::vector<Operation>> ListOperations(int64_t limit) = 0;

  // --- Queries -----------------------------------------------------------
  virtual Status ForEachFile(const FileQuery& query,
                             const std::function<void(const FileRow&)>& fn) = 0;
  virtual Result<CatalogStats> Stats() = 0;
  virtual Result<std::vector<FileErrorRow>> ListFileErrors(
      std::optional<OperationId> op, int64_t limit) = 0;

  // --- Maintenance -------------------------------------------------------
  virtual Result<SchemaStatus> GetSchemaStatus() = 0;
  // Full consistency check of the storage; an error (kCorrupt) describes
  // the damage, and marks the catalog damaged (Damaged()).
  virtual Status CheckIntegrity() = 0;
  // True once this catalog met damaged storage: an error the backend
  // reports as corruption, or a failed check. From then on every write
  // fails with kCorrupt and nothing more is written to its files, not even
  // when it is closed: a damaged catalog is never written on
  // (docs/catalog.md, "Damage").
  virtual bool Damaged() = 0;
  // Writes a consistent copy of the catalog as it is (its storage is
  // copied, not interpreted, so damage is copied too) to `path`, a new
  // file (an existing one is an error), synced before returning. Other
  // processes may read and write the catalog meanwhile.
  virtual Status BackupTo(const std::string& path) = 0;
  // Copies every row of this catalog that can still be read into `dest`,
  // a new, empty catalog of the same backend and schema (or newer), table
  // by table, keeping ids; rows in damaged storage are skipped, and rows
  // whose parent was lost are dropped (a file without its root) or cut
  // loose (an operation keeps its history without its root). Reads only
  // this catalog, even when damaged. For `phodex catalog rebuild`.
  virtual Result<SalvageReport> CopyReadableRowsTo(Catalog& dest) = 0;
  // Bytes used by the catalog on disk (all its files).
  virtual Result<int64_t> SizeOnDisk() = 0;
};

}  // namespace phodex::catalog
