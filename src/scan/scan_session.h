#pragma once
// A scan session: one operation (a row of `phodex ops`) and one scan
// generation of a root, within which what the disk shows now is applied to
// the catalog folder by folder. `phodex scan` runs one session over a walk
// of the scanned folder (scan/pipeline.h); `phodex serve`'s watcher keeps
// one open and applies each folder it was told about, without a
// whole-root operation.
//
//   Begin   records the operation "running" (jobs::OperationScope: it ends
//           even when the session is dropped) and starts a generation.
//   Apply   takes what one folder, or a sub-tree, looks like now (the
//           entries a walker or a watcher listed), detects the changes
//           against what the catalog holds for exactly that folder or
//           sub-tree, runs the content stages on new and changed files
//           (less those ScanOptions::hold leaves as they are: still being
//           written),
//           commits the batches, and marks the known files it no longer
//           shows removed (within the removal limit, ScanOptions). Files
//           elsewhere in the root are not looked at.
//   Finish  follows moves among what this session removed and wrote (not
//           every removed file of every root), records the end and returns
//           the report.
//
// A session stops at the first catalog failure, cancellation or removal
// limit: that Apply says why (ApplyReport::stopped), later ones do
// nothing, and Finish ends the operation with that status and reason.
//
// Thread-compatible: one thread calls Begin, Apply, StartTree/FinishTree
// and Finish; a Tree's visitor methods are thread-safe (the walk's threads
// call them). All borrowed parts (Parts, the stages) outlive the session.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/error.h"
#include "jobs/cancel_token.h"
#include "jobs/operation_scope.h"
#include "os/clock.h"
#include "os/file_system.h"
#include "scan/batch_writer.h"
#include "scan/change_detector.h"
#include "scan/progress.h"
#include "scan/scan_options.h"
#include "scan/stage_runner.h"
#include "scan/walker.h"
#include "scan/writer_thread.h"

namespace phodex::scan {

// What one folder, or one sub-tree, looks like now.
struct FolderChanges {
  // kFolder: the listing of `rel` alone; what the catalog holds in its
  // sub-folders is not looked at. kTree: `rel` and every folder below it;
  // known files in folders not listed (and not below an error) are gone.
  enum class Extent { kFolder, kTree };
  struct Listing {
    std::string rel_dir;  // "" = the root's top folder
    std::vector<WalkEntry> files;
  };
  // Something that could not be read: what the catalog holds at or below
  // `rel` is kept as it is, and the error recorded.
  struct Unreadable {
    std::string rel;
    Error error;
  };

  std::string rel;
  Extent extent = Extent::kFolder;
  // For kFolder exactly one listing, of `rel`; for kTree, folders at or
  // below `rel`.
  std::vector<Listing> folders;
  std::vector<Unreadable> errors;

  // The usual watcher case: folder `rel` holds `files`.
  static FolderChanges Folder(std::string rel, std::vector<WalkEntry> files);
};

// What one Apply (or walk) did.
struct ApplyReport {
  // Committed by this call; moves are counted by Finish.
  catalog::OperationCounts counts;
  // Files the catalog held in the folder or tree, and how many of them were
  // found where it expected them (evidence that the root's drive is the
  // cataloged one, scan/root_identity.h).
  int64_t known = 0;
  int64_t seen = 0;
  // Files not found that the removal limit kept (ScanOptions), and the
  // root's present files they were measured against.
  int64_t removals_withheld = 0;
  int64_t root_present = 0;
  // New or changed files left as they were (ScanOptions::hold).
  int64_t held = 0;
  // Why this call stopped the session; "" when it did not.
  std::string stopped;
};

// Whether the files a complete listing no longer shows are measured
// against the removal limit (ScanOptions::max_removed_fraction) first.
enum class Removals { kWithinLimit, kAccept };

class ScanSession {
 public:
  // Borrowed; they outlive the session.
  struct Parts {
    catalog::Catalog& catalog;
    os::FileSystem& fs;
    os::Clock& clock;
    ScanProgress& progress;
  };
  // The operation's type ("scan"; the watcher's "watch", ...) and scope
  // (the folder it covers, "" = the whole root), as `phodex ops` shows.
  struct Spec {
    std::string type = "scan";
    std::string scope;
  };

  // Ends operations of `root` left running by a dead process (the report's
  // interrupted_before), starts a scan generation and records the
  // operation. The caller holds the root's scan lock for the session's
  // lifetime. `root` as the catalog holds it now (its last_scanned_ns is
  // when removed files were last known present). Fails only when the
  // catalog cannot be written.
  static Result<std::unique_ptr<ScanSession>> Begin(
      Parts parts, const catalog::Root& root, Spec spec,
      const ScanOptions& options, StageSet stages, jobs::CancelToken cancel);
  // Unfinished: the operation ends "failed" (OperationScope).
  ~ScanSession();
  ScanSession(const ScanSession&) = delete;
  ScanSession& operator=(const ScanSession&) = delete;

  // Applies `changes` (see the top of this file), on the calling thread;
  // the stages run in parallel over the folder's files. The cancel token
  // is checked between folders and files: what was done is committed and
  // the session stops "interrupted". Removals follow ScanOptions'
  // accept_removals. Fails (kInvalidArgument, nothing done) only when a
  // listing lies outside `changes.rel`; catalog failures stop the session.
  // Cost: a kTree apply streams the catalog's rows below `changes.rel`; a
  // kFolder apply reads only its folder's own (Catalog::ListFolderFiles),
  // so the root's top folder costs its own files, not the whole root.
  Result<ApplyReport> Apply(FolderChanges changes);

  // Apply for a walk: the visitor a Walker feeds (concurrently) while a
  // writer thread commits. Known files of `scope` and below are loaded
  // first. REQUIRES: no other Tree open; FinishTree() it (or destroy it,
  // which commits what it has and marks nothing removed) before Finish.
  class Tree;
  Result<std::unique_ptr<Tree>> StartTree(const std::string& scope);
  // After the walk (`walked`: whether the start folder could be read):
  // commits the rest and, unless the walk failed or was cancelled, marks
  // what it did not find removed.
  ApplyReport FinishTree(std::unique_ptr<Tree> tree, const Status& walked,
                         Removals removals);

  // Runs after the move search of a session that did not stop, before the
  // end is recorded (ScanRoot marks the root scanned here); an error fails
  // the operation. `counts` are the session's, moves counted.
  using OnComplete =
      std::function<Status(const catalog::OperationCounts& counts,
                           ScanReport& report)>;
  // Follows moves (scan/move_detector.h) among what the session removed
  // and wrote, and records the end: completed, or how and why it stopped.
  // Returns an error only when even that could not be recorded.
  // REQUIRES: neither Finish nor Fail called before.
  Result<ScanReport> Finish(const OnComplete& on_complete = {});
  // Ends the operation "failed" with `why` at once (no move search).
  // REQUIRES: as Finish.
  Result<ScanReport> Fail(std::string why);

  // How many written rels Finish's move search gets as a list before it
  // searches by generation instead (default 10,000).
  void SetMaxListedWritesForTesting(size_t n) { max_listed_writes_ = n; }

  OperationId op() const { return scope_.id(); }
  int64_t gen() const { return gen_; }
  bool stopped() const { return stop_.has_value(); }
  const catalog::OperationCounts& committed() const {
    return writer_.committed();
  }

 private:
  struct Stop {
    catalog::OperationStatus status;
    std::string reason;
  };
  enum class Writing { kThread, kInline };

  ScanSession(Parts parts, const catalog::Root& root,
              const ScanOptions& options, StageSet stages,
              jobs::CancelToken cancel, jobs::OperationScope scope,
              int64_t gen, int64_t start_mono_ns);

  Result<std::unique_ptr<Tree>> OpenTree(const std::string& scope,
                                         FolderChanges::Extent extent,
                                         Writing writing);
  // Marks what `tree` did not find removed (within the limit); "" or why
  // the session stops.
  std::string MarkRemoved(const Tree& tree, bool partial, Removals removals,
                          ApplyReport& out);
  void StopWith(catalog::OperationStatus status, std::string reason);
  Result<ScanReport> End(catalog::OperationStatus status,
                         const catalog::OperationCounts& counts,
                         std::string error);
  void AddWritten(std::vector<std::string>&& rels);

  catalog::Catalog& catalog_;
  os::FileSystem& fs_;
  os::Clock& clock_;
  ScanProgress& progress_;
  const catalog::Root root_;
  const ScanOptions options_;
  const StageSet stages_;
  const jobs::CancelToken cancel_;
  jobs::OperationScope scope_;
  const int64_t gen_;
  const int64_t start_mono_ns_;
  BatchWriter writer_;
  FirstErrors first_errors_;
  ScanReport report_;
  std::optional<Stop> stop_;
  bool tree_open_ = false;
  // What Finish's move search looks at: the files this session marked
  // removed, and the rels it wrote (nullopt once too many to list).
  std::vector<FileId> removed_;
  std::optional<std::vector<std::string>> written_{std::in_place};
  size_t max_listed_writes_;
};

// One walk's (or one Apply's) detection, stages and writing. The visitor
// methods and ShouldStop() are thread-safe.
class ScanSession::Tree final : public WalkVisitor {
 public:
  ~Tree() override;
  void OnDirectory(std::string_view rel_dir,
                   std::vector<WalkEntry>&& files) override;
  void OnError(std::string_view rel, const Error& error) override;
  // The walk should wind down: the writer failed or the session's cancel
  // token is set.
  bool ShouldStop() const;
  // Files the catalog held in the tree when it was loaded.
  int64_t known_count() const { return detector_.known_count(); }

 private:
  friend class ScanSession;
  Tree(ScanSession& session, std::string scope, FolderChanges::Extent extent);
  void Deliver(DirChanges&& changes);
  // Drops the changes ScanOptions::hold holds back (and the sidecar links
  // naming them) from `changes`.
  void HoldBack(DirChanges& changes);
  // Closes the writing; a failure to commit, or nullopt.
  std::optional<Error> CloseWriting();

  ScanSession& session_;
  const std::string scope_;
  const FolderChanges::Extent extent_;
  const catalog::OperationCounts before_;
  ChangeDetector detector_;
  StageRunner runner_;
  // kThread: a queue and the writer thread; kInline: the caller's thread
  // writes (one folder at a time).
  std::unique_ptr<ChangesQueue> queue_;
  std::unique_ptr<WriterThread> writer_thread_;
  std::optional<Error> inline_error_;
  util::Mutex written_mu_;
  std::vector<std::string> written_ GUARDED_BY(written_mu_);
  bool written_overflow_ GUARDED_BY(written_mu_) = false;
  std::atomic<int64_t> held_{0};
};

}  // namespace phodex::scan
