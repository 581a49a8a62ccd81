#include "scan/scan_session.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "scan/move_detector.h"
#include "util/metrics.h"

namespace phodex::scan {
namespace {

// Folders in flight between the walk's threads and the writer thread.
constexpr size_t kQueueFolders = 256;
// Rels the move search gets as a list; a session that writes more (a
// first scan) is searched by its generation instead, as the whole-root
// search always was: the list would cost memory and a lookup per file.
constexpr size_t kMaxListedWrites = 10'000;

bool AtOrBelow(std::string_view rel, std::string_view top) {
  return top.empty() || rel == top ||
         (rel.starts_with(top) && rel.size() > top.size() &&
          rel[top.size()] == '/');
}

catalog::OperationCounts Minus(catalog::OperationCounts a,
                               const catalog::OperationCounts& b) {
  a.scanned -= b.scanned;
  a.added -= b.added;
  a.updated -= b.updated;
  a.removed -= b.removed;
  a.errors -= b.errors;
  a.moved -= b.moved;
  return a;
}

bool ExceedsRemovalLimit(int64_t removing, int64_t present,
                         double max_fraction) {
  return removing > 0 && static_cast<double>(removing) >
                             max_fraction * static_cast<double>(present);
}

// The root's present files before this session (a partial listing's
// detector knows only its folder's): the catalog's count less what the
// session added.
Result<int64_t> RootPresentBefore(catalog::Catalog& catalog, RootId root,
                                  int64_t added_now) {
  PHODEX_ASSIGN_OR_RETURN(catalog::CatalogStats stats, catalog.Stats());
  for (const catalog::RootStats& rs : stats.roots) {
    if (rs.root.id == root) return std::max<int64_t>(rs.present - added_now, 0);
  }
  return 0;
}

// The removal limit (ScanOptions::max_removed_fraction): the message when
// the files a complete listing did not find are too many to mark removed,
// with the counts in `out`. `partial`: the listing covered part of the
// root, whose count then bounds the folder's from above.
Result<std::optional<std::string>> RemovalsOverLimit(
    catalog::Catalog& catalog, const ChangeDetector& detector,
    const std::vector<FileId>& unseen, const catalog::Root& root,
    bool partial, double limit, int64_t added_now, ApplyReport& out) {
  if (unseen.empty()) return std::nullopt;
  int64_t present = detector.known_count();
  // Each step costs more than the one before and bounds the count from
  // above: renames (same inode) in memory, moves (same quick hash, in any
  // root) in the catalog, then, for a partial listing (whose folder's count
  // bounds the root's from below), the root's count.
  if (!ExceedsRemovalLimit(static_cast<int64_t>(unseen.size()), present,
                           limit)) {
    return std::nullopt;
  }
  const std::vector<FileId> gone = detector.UnseenNotFoundElsewhere();
  int64_t removing = static_cast<int64_t>(gone.size());
  if (!ExceedsRemovalLimit(removing, present, limit)) return std::nullopt;
  PHODEX_ASSIGN_OR_RETURN(
      const int64_t moved,
      catalog.CountLikelyMoves(gone, root.last_scanned_ns.value_or(0)));
  removing -= moved;
  if (!ExceedsRemovalLimit(removing, present, limit)) return std::nullopt;
  if (partial) {
    PHODEX_ASSIGN_OR_RETURN(present,
                            RootPresentBefore(catalog, root.id, added_now));
  }
  if (!ExceedsRemovalLimit(removing, present, limit)) return std::nullopt;
  out.removals_withheld = removing;
  out.root_present = present;
  return std::optional<std::string>(
      std::to_string(removing) + " of the root's " + std::to_string(present) +
      " files were not found, more than the limit (" +
      std::to_string(std::lround(limit * 100)) +
      "%): none were marked removed; --accept-removals marks them");
}

// What every batch of the session carries.
catalog::ScanBatch BatchHeader(const catalog::Root& root, OperationId op,
                               int64_t gen) {
  catalog::ScanBatch header;
  header.root = root.id;
  header.op = op;
  header.scan_gen = gen;
  // When the files the session removes were last known present.
  header.removals_last_seen_ns = root.last_scanned_ns.value_or(0);
  return header;
}

std::string WriteFailed(const Error& e) {
  return "writing to the catalog failed: " + e.ToString();
}

}  // namespace

FolderChanges FolderChanges::Folder(std::string rel,
                                    std::vector<WalkEntry> files) {
  FolderChanges c;
  c.folders.push_back(Listing{rel, std::move(files)});
  c.rel = std::move(rel);
  return c;
}

// --- ScanSession -------------------------------------------------------------

Result<std::unique_ptr<ScanSession>> ScanSession::Begin(
    Parts parts, const catalog::Root& root, Spec spec,
    const ScanOptions& options, StageSet stages, jobs::CancelToken cancel) {
  const int64_t start_mono = parts.clock.MonotonicNs();
  PHODEX_ASSIGN_OR_RETURN(
      std::vector<catalog::Operation> interrupted,
      parts.catalog.InterruptStaleOperations(root.id,
                                             parts.clock.NowUnixNs()));
  PHODEX_ASSIGN_OR_RETURN(const int64_t gen,
                          parts.catalog.NextScanGeneration(root.id));
  catalog::Operation op;
  op.type = std::move(spec.type);
  op.root = root.id;
  op.scope = std::move(spec.scope);
  PHODEX_ASSIGN_OR_RETURN(
      jobs::OperationScope scope,
      jobs::OperationScope::Begin(parts.catalog, parts.clock, std::move(op)));
  std::unique_ptr<ScanSession> session(
      new ScanSession(parts, root, options, stages, cancel, std::move(scope),
                      gen, start_mono));
  session->report_.interrupted_before = std::move(interrupted);
  return session;
}

ScanSession::ScanSession(Parts parts, const catalog::Root& root,
                         const ScanOptions& options, StageSet stages,
                         jobs::CancelToken cancel, jobs::OperationScope scope,
                         int64_t gen, int64_t start_mono_ns)
    : catalog_(parts.catalog),
      fs_(parts.fs),
      clock_(parts.clock),
      progress_(parts.progress),
      root_(root),
      options_(options),
      stages_(stages),
      cancel_(cancel),
      scope_(std::move(scope)),
      gen_(gen),
      start_mono_ns_(start_mono_ns),
      writer_(catalog_, BatchHeader(root, scope_.id(), gen), options.batch,
              progress_, clock_),
      max_listed_writes_(kMaxListedWrites) {
  report_.op = scope_.id();
}

ScanSession::~ScanSession() = default;

Result<ApplyReport> ScanSession::Apply(FolderChanges changes) {
  for (const FolderChanges::Listing& l : changes.folders) {
    const bool inside = changes.extent == FolderChanges::Extent::kFolder
                            ? l.rel_dir == changes.rel
                            : AtOrBelow(l.rel_dir, changes.rel);
    if (!inside) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "listing of '" + l.rel_dir + "' lies outside '" +
                           changes.rel + "'",
                       "scan: apply");
    }
  }
  ApplyReport out;
  if (stop_) {
    out.stopped = stop_->reason;
    return out;
  }
  auto tree = OpenTree(changes.rel, changes.extent, Writing::kInline);
  if (!tree) {
    StopWith(catalog::OperationStatus::kFailed, tree.error().ToString());
    out.stopped = stop_->reason;
    return out;
  }
  for (const FolderChanges::Unreadable& e : changes.errors) {
    (*tree)->OnError(e.rel, e.error);
  }
  for (FolderChanges::Listing& l : changes.folders) {
    if ((*tree)->ShouldStop()) break;
    (*tree)->OnDirectory(l.rel_dir, std::move(l.files));
  }
  return FinishTree(std::move(*tree), {},
                    options_.accept_removals ? Removals::kAccept
                                             : Removals::kWithinLimit);
}

Result<std::unique_ptr<ScanSession::Tree>> ScanSession::StartTree(
    const std::string& scope) {
  return OpenTree(scope, FolderChanges::Extent::kTree, Writing::kThread);
}

Result<std::unique_ptr<ScanSession::Tree>> ScanSession::OpenTree(
    const std::string& scope, FolderChanges::Extent extent, Writing writing) {
  PHODEX_CHECK(!tree_open_);
  std::unique_ptr<Tree> tree(new Tree(*this, scope, extent));
  {
    PHODEX_METRIC_RECORD("scan.load_known");
    // A kFolder apply reads its folder's own files only (not the rows of
    // its sub-tree: for the top folder, the whole root).
    PHODEX_TRY(catalog_.ForEachKnownFile(
        root_.id, scope,
        [&](catalog::KnownFile&& f) {
          tree->detector_.AddKnown(std::move(f));
        },
        extent == FolderChanges::Extent::kFolder
            ? catalog::ScanStore::Depth::kFolderOnly
            : catalog::ScanStore::Depth::kSubTree));
    tree->detector_.Seal();
  }
  if (writing == Writing::kThread) {
    tree->queue_ = std::make_unique<ChangesQueue>(kQueueFolders);
    tree->writer_thread_ =
        std::make_unique<WriterThread>(*tree->queue_, writer_);
  }
  return tree;
}

ApplyReport ScanSession::FinishTree(std::unique_ptr<Tree> tree,
                                    const Status& walked, Removals removals) {
  ApplyReport out;
  const std::optional<Error> write_error = tree->CloseWriting();
  {
    util::MutexLock lock(tree->written_mu_);
    if (tree->written_overflow_) {
      written_.reset();
    } else {
      AddWritten(std::move(tree->written_));
    }
  }
  out.known = tree->detector_.known_count();
  out.seen = tree->detector_.SeenCount();
  out.held = tree->held_.load();
  std::string stop;
  catalog::OperationStatus status = catalog::OperationStatus::kFailed;
  if (write_error) {
    stop = WriteFailed(*write_error);
  } else if (!walked) {
    stop = walked.error().ToString();
  } else if (cancel_.cancelled()) {
    stop = "interrupted by the user";
    status = catalog::OperationStatus::kInterrupted;
  } else {
    // The listing was complete: what it did not show is gone, unless it
    // moved, or unless it is too much to believe.
    const bool partial = !tree->scope_.empty() ||
                         tree->extent_ == FolderChanges::Extent::kFolder;
    stop = MarkRemoved(*tree, partial, removals, out);
  }
  out.counts = Minus(writer_.committed(), tree->before_);
  if (!stop.empty()) {
    StopWith(status, stop);
    out.stopped = std::move(stop);
  }
  return out;
}

std::string ScanSession::MarkRemoved(const Tree& tree, bool partial,
                                     Removals removals, ApplyReport& out) {
  const std::vector<FileId> unseen = tree.detector_.Unseen();
  if (removals == Removals::kWithinLimit) {
    auto over = RemovalsOverLimit(catalog_, tree.detector_, unseen, root_,
                                  partial, options_.max_removed_fraction,
                                  writer_.committed().added, out);
    if (!over) return "reading the catalog failed: " + over.error().ToString();
    if (*over) {
      report_.removals_withheld = out.removals_withheld;
      report_.root_present = out.root_present;
      return **over;
    }
  }
  PHODEX_METRIC_RECORD("scan.mark_removed");
  Status st = writer_.AddRemovals(unseen);
  if (st) st = writer_.Flush();
  if (!st) return WriteFailed(st.error());
  removed_.insert(removed_.end(), unseen.begin(), unseen.end());
  return {};
}

void ScanSession::AddWritten(std::vector<std::string>&& rels) {
  if (!written_) return;
  if (written_->size() + rels.size() > max_listed_writes_) {
    written_.reset();
    return;
  }
  for (std::string& r : rels) written_->push_back(std::move(r));
}

void ScanSession::StopWith(catalog::OperationStatus status,
                           std::string reason) {
  if (!stop_) stop_ = Stop{status, std::move(reason)};
}

Result<ScanReport> ScanSession::Finish(const OnComplete& on_complete) {
  PHODEX_CHECK(!tree_open_);
  if (stop_) return End(stop_->status, writer_.committed(), stop_->reason);
  catalog::MoveSearch search;
  search.root = root_.id;
  search.gen = gen_;
  search.removed = std::move(removed_);
  search.written = std::move(written_);
  auto moves = ResolveMoves(catalog_, fs_, search);
  if (!moves) {
    return End(catalog::OperationStatus::kFailed, writer_.committed(),
               WriteFailed(moves.error()));
  }
  catalog::OperationCounts counts = writer_.committed();
  counts.moved = moves->moved;
  counts.added -= moves->added_by_this_scan;
  counts.removed -= moves->removed_by_this_scan;
  counts.errors += static_cast<int64_t>(moves->errors.size());
  for (catalog::FileErrorEntry& e : moves->errors) {
    first_errors_.Add(std::move(e));
  }
  progress_.added.fetch_sub(moves->added_by_this_scan);
  progress_.removed.fetch_sub(moves->removed_by_this_scan);
  if (on_complete) {
    if (Status st = on_complete(counts, report_); !st) {
      return End(catalog::OperationStatus::kFailed, writer_.committed(),
                 WriteFailed(st.error()));
    }
  }
  return End(catalog::OperationStatus::kCompleted, counts, "");
}

Result<ScanReport> ScanSession::Fail(std::string why) {
  PHODEX_CHECK(!tree_open_);
  return End(catalog::OperationStatus::kFailed, writer_.committed(),
             std::move(why));
}

Result<ScanReport> ScanSession::End(catalog::OperationStatus status,
                                    const catalog::OperationCounts& counts,
                                    std::string error) {
  report_.status = status;
  report_.counts = counts;
  report_.error = std::move(error);
  report_.first_errors = first_errors_.Get();
  report_.seconds =
      static_cast<double>(clock_.MonotonicNs() - start_mono_ns_) / 1e9;
  progress_.phase = 3;
  PHODEX_TRY(scope_.Finish(status, counts, report_.error));
  return report_;
}

// --- ScanSession::Tree -------------------------------------------------------

ScanSession::Tree::Tree(ScanSession& session, std::string scope,
                        FolderChanges::Extent extent)
    : session_(session),
      scope_(std::move(scope)),
      extent_(extent),
      before_(session.writer_.committed()),
      detector_(session.stages_.wants),
      runner_(session.root_.path, session.stages_, session.progress_,
              session.first_errors_, session.cancel_) {
  session_.tree_open_ = true;
}

ScanSession::Tree::~Tree() {
  // Destroyed without FinishTree (a failed load, an abandoned walk): what
  // was found is committed, nothing is marked removed. A failure to commit
  // is FinishTree's to report; nobody is left to tell here.
  CloseWriting();
  session_.tree_open_ = false;
}

void ScanSession::Tree::OnDirectory(std::string_view rel_dir,
                                    std::vector<WalkEntry>&& files) {
  DirChanges changes = detector_.Detect(rel_dir, std::move(files));
  if (session_.options_.hold) HoldBack(changes);
  if (!runner_.empty()) runner_.Run(changes);
  if (!changes.changes.empty()) {
    util::MutexLock lock(written_mu_);
    if (!written_overflow_) {
      for (const FileChange& c : changes.changes) {
        written_.push_back(c.upsert.rel);
      }
      if (written_.size() > session_.max_listed_writes_) {
        written_overflow_ = true;
        written_ = {};
      }
    }
  }
  Deliver(std::move(changes));
}

void ScanSession::Tree::HoldBack(DirChanges& changes) {
  // The detector saw a held known file, so it is not marked removed; it
  // is neither written, nor is a new one added.
  std::vector<std::string> held;
  std::erase_if(changes.changes, [&](const FileChange& c) {
    if (!session_.options_.hold(c.upsert.rel, c.upsert.stat)) return false;
    held.push_back(c.upsert.rel);
    return true;
  });
  if (held.empty()) return;
  held_.fetch_add(static_cast<int64_t>(held.size()));
  // A link naming a held file waits for it: the detector offers it again
  // while the catalog's link differs.
  std::sort(held.begin(), held.end());
  std::erase_if(changes.links, [&](const catalog::SidecarLink& l) {
    return std::binary_search(held.begin(), held.end(), l.sidecar_rel) ||
           (l.target_rel &&
            std::binary_search(held.begin(), held.end(), *l.target_rel));
  });
}

void ScanSession::Tree::OnError(std::string_view rel, const Error& error) {
  detector_.Protect(rel);
  DirChanges c;
  c.errors.push_back(session_.first_errors_.Record(
      error, os::JoinPath(session_.root_.path, rel)));
  Deliver(std::move(c));
}

bool ScanSession::Tree::ShouldStop() const {
  return session_.cancel_.cancelled() ||
         (writer_thread_ != nullptr && writer_thread_->failed()) ||
         inline_error_.has_value();
}

void ScanSession::Tree::Deliver(DirChanges&& changes) {
  if (queue_ != nullptr) {
    queue_->Push(std::move(changes));
    return;
  }
  if (inline_error_) return;
  if (Status st = session_.writer_.Add(std::move(changes)); !st) {
    inline_error_ = st.error();
  }
}

std::optional<Error> ScanSession::Tree::CloseWriting() {
  if (writer_thread_ != nullptr) {
    writer_thread_->Finish();
    if (writer_thread_->failed()) return writer_thread_->error();
    return std::nullopt;
  }
  if (!inline_error_) {
    if (Status st = session_.writer_.Flush(); !st) inline_error_ = st.error();
  }
  return inline_error_;
}

}  // namespace phodex::scan
