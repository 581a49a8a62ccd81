#include "catalog/sqlite/migrations.h"

#include <array>

namespace phodex::catalog {
namespace {

constexpr std::array kMigrations = {
    Migration{1, "roots, files, operations, file errors", R"sql(
CREATE TABLE roots (
  id              INTEGER PRIMARY KEY,
  path            BLOB    NOT NULL,
  name            TEXT    NOT NULL,
  added_at        INTEGER NOT NULL,
  last_scanned_at INTEGER,
  scan_gen        INTEGER NOT NULL DEFAULT 0,
  removed_at      INTEGER
);
-- A removed root keeps its row (its files and history point at it); the
-- path and name are free again for a new root.
CREATE UNIQUE INDEX roots_path ON roots(path) WHERE removed_at IS NULL;
CREATE UNIQUE INDEX roots_name ON roots(name) WHERE removed_at IS NULL;
CREATE TABLE files (
  id          INTEGER PRIMARY KEY,
  root_id     INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
  rel         BLOB    NOT NULL,
  size        INTEGER NOT NULL,
  mtime_ns    INTEGER NOT NULL,
  dev         INTEGER NOT NULL,
  ino         INTEGER NOT NULL,
  kind        TEXT    NOT NULL,
  scan_gen    INTEGER NOT NULL,
  first_seen  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL,
  present     INTEGER NOT NULL DEFAULT 1,
  removed_at  INTEGER,
  last_error  TEXT,
  UNIQUE (root_id, rel)
);
CREATE TABLE operations (
  id          INTEGER PRIMARY KEY,
  type        TEXT    NOT NULL,
  root_id     INTEGER REFERENCES roots(id) ON DELETE SET NULL,
  scope       BLOB    NOT NULL DEFAULT '',
  started_at  INTEGER NOT NULL,
  ended_at    INTEGER,
  duration_ms INTEGER,
  scanned     INTEGER NOT NULL DEFAULT 0,
  added       INTEGER NOT NULL DEFAULT 0,
  updated     INTEGER NOT NULL DEFAULT 0,
  removed     INTEGER NOT NULL DEFAULT 0,
  errors      INTEGER NOT NULL DEFAULT 0,
  status      TEXT    NOT NULL,
  error       TEXT,
  checkpoint  TEXT,
  pid         INTEGER,
  host        TEXT
);
CREATE INDEX operations_root_status ON operations(root_id, status);
CREATE TABLE file_errors (
  id           INTEGER PRIMARY KEY,
  operation_id INTEGER REFERENCES operations(id) ON DELETE CASCADE,
  root_id      INTEGER REFERENCES roots(id) ON DELETE CASCADE,
  path         BLOB    NOT NULL,
  op           TEXT    NOT NULL,
  reason       TEXT    NOT NULL,
  at           INTEGER NOT NULL
);
CREATE INDEX file_errors_operation ON file_errors(operation_id);
)sql"},
    Migration{2, "sidecar links; version of the content stages per file",
              R"sql(
ALTER TABLE files ADD COLUMN sidecar_of INTEGER
  REFERENCES files(id) ON DELETE SET NULL;
ALTER TABLE files ADD COLUMN content_version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX files_sidecar_of ON files(sidecar_of)
  WHERE sidecar_of IS NOT NULL;
)sql"},
    Migration{3, "content hashes, moves", R"sql(
ALTER TABLE files ADD COLUMN quick_hash BLOB;
ALTER TABLE files ADD COLUMN hash BLOB;
ALTER TABLE files ADD COLUMN sha256 BLOB;
CREATE INDEX files_quick_hash ON files(quick_hash, size)
  WHERE quick_hash IS NOT NULL;
CREATE INDEX files_removed_quick_hash ON files(quick_hash)
  WHERE present = 0 AND quick_hash IS NOT NULL;
CREATE INDEX files_present_size ON files(size) WHERE present = 1;
ALTER TABLE operations ADD COLUMN moved INTEGER NOT NULL DEFAULT 0;
)sql"},
    Migration{4, "metadata: normalised fields and every tag", R"sql(
CREATE TABLE metadata (
  file_id       INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  mime          TEXT,
  width         INTEGER,
  height        INTEGER,
  orientation   INTEGER,
  taken         TEXT,
  make          TEXT,
  model         TEXT,
  lens          TEXT,
  exposure_time REAL,
  f_number      REAL,
  iso           INTEGER,
  focal_length  REAL,
  gps_lat       REAL,
  gps_lon       REAL,
  gps_alt       REAL,
  rating        INTEGER,
  label         TEXT,
  keywords      TEXT,
  title         TEXT,
  description   TEXT,
  duration      REAL,
  codec         TEXT,
  tags          TEXT
);
CREATE INDEX metadata_taken ON metadata(taken) WHERE taken IS NOT NULL;
)sql"},
    Migration{5, "pixels: thumbnails, perceptual hashes, quality", R"sql(
CREATE TABLE pixels (
  hash               BLOB    PRIMARY KEY,
  version            INTEGER NOT NULL,
  thumbs             TEXT    NOT NULL DEFAULT '',
  thumb_bytes        INTEGER NOT NULL DEFAULT 0,
  error              TEXT,
  width              INTEGER,
  height             INTEGER,
  decoded_by         TEXT,
  phash              INTEGER,
  phash90            INTEGER,
  phash180           INTEGER,
  phash270           INTEGER,
  sharpness          REAL,
  exposure           REAL,
  clipped_highlights REAL,
  clipped_shadows    REAL,
  noise              REAL,
  at                 INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX files_hash ON files(hash) WHERE hash IS NOT NULL AND present = 1;
)sql"},
    Migration{6, "metadata goes with the file version it was read from", R"sql(
CREATE TRIGGER files_stat_changed_drops_metadata
AFTER UPDATE OF size, mtime_ns, ino ON files
WHEN old.size IS NOT new.size OR old.mtime_ns IS NOT new.mtime_ns
  OR old.ino IS NOT new.ino
BEGIN
  DELETE FROM metadata WHERE file_id = new.id;
END;
)sql"},
    Migration{7, "root identity: marker uuid and file system", R"sql(
ALTER TABLE roots ADD COLUMN uuid TEXT;
ALTER TABLE roots ADD COLUMN marker INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roots ADD COLUMN fs_uuid TEXT;
ALTER TABLE roots ADD COLUMN fs_type TEXT;
ALTER TABLE roots ADD COLUMN fsid INTEGER;
ALTER TABLE roots ADD COLUMN identity_at INTEGER;
)sql"},
    // int64 nanoseconds end in 2262: a file dated 2446 (ext4 holds it) was
    // stored wrapped, as 1861. The column is renamed (no rewrite) and split
    // in one pass: floor division, so a time before 1970 stays right
    // (-1 ns is -1 s + 999999999 ns), written without `x - rem`, which
    // would overflow for the smallest int64. The trigger of v6 is dropped
    // first (else the pass would fire it on every row and drop all
    // metadata), and not made again: the writer applies its rule
    // (sqlite/scan_writes.cc, ApplyBatch), because a trigger made every upsert
    // need a statement journal, a third of a first scan's instructions. A time
    // stored wrapped is not repaired here: it differs from the file's stat,
    // so the next scan reads that file again.
    Migration{8, "file times as seconds and nanoseconds (beyond 2262); "
                 "stale metadata dropped by the writer, not a trigger",
              R"sql(
DROP TRIGGER IF EXISTS files_stat_changed_drops_metadata;
ALTER TABLE files RENAME COLUMN mtime_ns TO mtime_s;
ALTER TABLE files ADD COLUMN mtime_nsec INTEGER NOT NULL DEFAULT 0;
UPDATE files SET
  mtime_s = mtime_s / 1000000000 - (mtime_s % 1000000000 < 0),
  mtime_nsec = (mtime_s % 1000000000 + 1000000000) % 1000000000;
)sql"},
    // The persistent job queue (catalog/job_queue.h, docs/catalog.md v9).
    // States are stored as their names (JobStateName): the partial indexes
    // and every statement name them as literals, which reads the same in
    // SQLite, in PostgreSQL and in `sqlite3` by hand. file_id is not a
    // foreign key: deleting files would then look up jobs by file, which
    // needs one more index on a hot table; a handler finds a gone file
    // gone. The claim index is in the claim's order exactly (jobs.cc).
    Migration{9, "job queue: jobs, paused job kinds", R"sql(
CREATE TABLE jobs (
  id            INTEGER PRIMARY KEY,
  kind          TEXT    NOT NULL,
  priority      INTEGER NOT NULL,
  state         TEXT    NOT NULL CHECK (state IN ('available', 'running',
                  'retryable', 'completed', 'failed', 'cancelled')),
  attempts      INTEGER NOT NULL DEFAULT 0,
  max_attempts  INTEGER NOT NULL,
  run_at        INTEGER NOT NULL,
  file_id       INTEGER,
  version       INTEGER NOT NULL DEFAULT 0,
  payload       TEXT    NOT NULL DEFAULT '',
  last_error    TEXT,
  created       INTEGER NOT NULL,
  updated       INTEGER NOT NULL,
  lease_owner   TEXT,
  lease_token   INTEGER,
  lease_expires INTEGER
);
CREATE UNIQUE INDEX jobs_key ON jobs(kind, file_id, version);
CREATE INDEX jobs_claim ON jobs(kind, priority, run_at, id)
  WHERE state IN ('available', 'retryable');
CREATE INDEX jobs_lease ON jobs(lease_expires) WHERE state = 'running';
CREATE TABLE paused_job_kinds (
  kind TEXT PRIMARY KEY
);
)sql"},
    // Search (catalog/file_search.h, docs/catalog.md v10). file_text is an
    // FTS5 table that keeps its own copy of the text (a few short columns,
    // so rows are deleted by rowid without the old values), one row per
    // file, rowid = files.id, kept in step by triggers so that every write
    // path (scan, rate, moves, renamed folders, salvage, purge) keeps it
    // right without knowing it. INSERT OR REPLACE: metadata is written
    // with INSERT OR REPLACE, whose delete does not fire triggers.
    // metadata_search_* sort undated rows ('') after every capture time in
    // descending order, so one index serves the order of every search.
    Migration{10, "search: file text index, capture-time order indexes",
              R"sql(
CREATE VIRTUAL TABLE file_text USING fts5(
  rel, keywords, title, description,
  tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO file_text(rowid, rel, keywords, title, description)
  SELECT f.id, f.rel, m.keywords, m.title, m.description
  FROM files f LEFT JOIN metadata m ON m.file_id = f.id;
CREATE TRIGGER file_text_file_added AFTER INSERT ON files BEGIN
  INSERT OR REPLACE INTO file_text(rowid, rel) VALUES (new.id, new.rel);
END;
CREATE TRIGGER file_text_file_renamed AFTER UPDATE OF rel ON files BEGIN
  INSERT OR REPLACE INTO file_text(rowid, rel, keywords, title, description)
    SELECT new.id, new.rel, m.keywords, m.title, m.description
    FROM (SELECT 1) LEFT JOIN metadata m ON m.file_id = new.id;
END;
CREATE TRIGGER file_text_file_deleted AFTER DELETE ON files BEGIN
  DELETE FROM file_text WHERE rowid = old.id;
END;
CREATE TRIGGER file_text_metadata_added AFTER INSERT ON metadata BEGIN
  INSERT OR REPLACE INTO file_text(rowid, rel, keywords, title, description)
    SELECT f.id, f.rel, new.keywords, new.title, new.description
    FROM files f WHERE f.id = new.file_id;
END;
CREATE TRIGGER file_text_metadata_changed
AFTER UPDATE OF keywords, title, description ON metadata BEGIN
  INSERT OR REPLACE INTO file_text(rowid, rel, keywords, title, description)
    SELECT f.id, f.rel, new.keywords, new.title, new.description
    FROM files f WHERE f.id = new.file_id;
END;
CREATE TRIGGER file_text_metadata_dropped AFTER DELETE ON metadata BEGIN
  INSERT OR REPLACE INTO file_text(rowid, rel)
    SELECT f.id, f.rel FROM files f WHERE f.id = old.file_id;
END;
CREATE INDEX metadata_search_order ON metadata(ifnull(taken, ''));
CREATE INDEX metadata_search_make ON metadata(make COLLATE NOCASE,
  ifnull(taken, ''));
CREATE INDEX metadata_search_model ON metadata(model COLLATE NOCASE,
  ifnull(taken, ''));
)sql"},
    // The API's pages (docs/api.md): the history of one type newest first
    // (GET /api/v1/operations?type=), and the failed jobs by id (GET
    // /api/v1/jobs/failed), which would otherwise walk every completed
    // job kept for a week (of every kind, or of one: without the second,
    // the planner takes jobs_key and sorts all of that kind's jobs).
    // Partial: only failed rows cost a write.
    Migration{11, "indexes for the API's pages: operations by type, "
                  "failed jobs", R"sql(
CREATE INDEX operations_type ON operations(type, id);
CREATE INDEX jobs_failed ON jobs(id) WHERE state = 'failed';
CREATE INDEX jobs_failed_kind ON jobs(kind, id) WHERE state = 'failed';
)sql"},
    // The timeline (catalog/timeline_queries.h, docs/catalog.md v12): its
    // files in modification time order, for the undated files, and the
    // set of its files (present photos, RAWs and videos) as an index walk
    // that reads no table row. `id` is spelt out so the order is (mtime,
    // id) whatever `kind` is; `present` and `kind` are there so the walk
    // needs no table row to check the WHERE (SQLite checks a partial
    // index's terms again). The WHERE is spelt as the queries spell it
    // (sqlite/timeline.cc), else SQLite does not use the partial index.
    Migration{12, "timeline: present media files by modification time",
              R"sql(
CREATE INDEX files_timeline_mtime
  ON files(mtime_s, mtime_nsec, id, present, kind)
  WHERE present = 1 AND kind IN ('photo', 'raw', 'video');
)sql"},
    // What a cache of figures read from the catalog (the API's folder tree,
    // library/folders.h) is keyed by: FolderIndex::ContentVersion. One
    // row, bumped by each write to roots, files or metadata, in the same
    // transaction (sqlite/folders.cc, NoteChange), never by a trigger
    // (v8: a trigger costs every upsert a statement journal). It starts
    // at a random number, so two catalogs never share one; halved, so
    // that adding to it never overflows.
    Migration{13, "change counter for caches of catalog figures", R"sql(
CREATE TABLE change_counter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n  INTEGER NOT NULL
);
INSERT INTO change_counter(id, n) VALUES (1, abs(random() / 2));
)sql"},
};

}  // namespace

std::span<const Migration> AllMigrations() { return kMigrations; }

int LatestSchemaVersion() { return kMigrations.back().version; }

}  // namespace phodex::catalog
