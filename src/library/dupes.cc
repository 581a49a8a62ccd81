#include "library/dupes.h"

#include <algorithm>

#include "dedup/action_plan.h"
#include "dedup/action_recorder.h"
#include "jobs/operation_scope.h"
#include "library/path_scope.h"
#include "media/hasher.h"
#include "util/text.h"

namespace phodex::library {
namespace {

using dedup::ActionKind;

dedup::Hashers MediaHashers(os::FileSystem& fs) {
  dedup::Hashers h;
  h.quick = [&fs](const std::string& path) -> Result<ContentHash> {
    PHODEX_ASSIGN_OR_RETURN(auto file,
                            fs.OpenForRead(path, os::AccessPattern::kRandom));
    PHODEX_ASSIGN_OR_RETURN(media::QuickRead r, media::ReadQuick(*file));
    return media::QuickHash(r);
  };
  h.full = [&fs](const std::string& path) -> Result<ContentHash> {
    PHODEX_ASSIGN_OR_RETURN(
        auto file, fs.OpenForRead(path, os::AccessPattern::kSequential));
    PHODEX_ASSIGN_OR_RETURN(media::FullHashes r,
                            media::HashWholeFile(*file, media::WithSha256::kNo));
    return r.xxh128;
  };
  return h;
}

// `e` with `what` before its message, its code kept.
std::unexpected<Error> Prefixed(const std::string& what, const Error& e) {
  return MakeError(e.code(), what + ": " + e.message());
}

// The dupes lock, then every root's lock: no scan and no other dupes run
// touches the catalog's files while this one settles or acts.
Result<std::vector<std::unique_ptr<catalog::Lock>>> LockAll(
    Library& lib, const std::vector<catalog::Root>& roots) {
  std::vector<std::unique_ptr<catalog::Lock>> locks;
  auto own = lib.locks().LockDupes(catalog::Locks::Wait::kNo);
  if (!own) return Prefixed("another dupes run is at work", own.error());
  locks.push_back(std::move(*own));
  for (const catalog::Root& r : roots) {
    auto l = lib.locks().LockRoot(r.id, catalog::Locks::Wait::kNo);
    if (!l) return Prefixed("root '" + r.name + "' is busy", l.error());
    locks.push_back(std::move(*l));
  }
  return locks;
}

// Settles what an interrupted run left in the journal (docs/cli.md),
// recorded as a "dupes" operation of scope "journal".
Status SettleJournal(Library& lib, DupesPlanResult& run, DupesSink& sink) {
  auto fail = [&](const Error& e) {
    return MakeError(e.code(), "settling the journal " + run.journal->path() +
                                   ": " + e.ToString());
  };
  auto rec = dedup::ActionRecorder::Begin(lib.catalog(), lib.fs(), lib.clock(),
                                          "journal");
  if (!rec) return fail(rec.error());
  dedup::ActionEnv env{.fs = lib.fs(),
                       .ops = *run.ops,
                       .journal = *run.journal,
                       .recorder = **rec,
                       .tag = (*rec)->op().value};
  auto settled = dedup::RecoverJournal(env);
  if (!settled) {
    // The settling error is the one to report; a failure to record it
    // too says less.
    (void)(*rec)->Finish(catalog::OperationStatus::kFailed,
                         settled.error().ToString());
    return fail(settled.error());
  }
  for (const dedup::RecoveredAction& r : *settled) sink.JournalSettled(r);
  if (Status st = (*rec)->Finish(catalog::OperationStatus::kCompleted, "");
      !st) {
    return fail(st.error());
  }
  return {};
}

// Opens the journal and, when it holds an interrupted run or this run
// acts, takes the locks and settles the journal first.
Status PrepareJournal(Library& lib, const DupesRequest& request,
                      const std::vector<catalog::Root>& roots,
                      DupesPlanResult& run, DupesSink& sink) {
  PHODEX_ASSIGN_OR_RETURN(
      run.journal,
      dedup::ActionJournal::Open(lib.fs(), lib.data().DupesJournalPath()));
  if (run.journal->empty() && request.apply == DupesRequest::Apply::kNo) {
    return {};
  }
  PHODEX_ASSIGN_OR_RETURN(run.locks, LockAll(lib, roots));
  if (!run.journal->empty()) PHODEX_TRY(SettleJournal(lib, run, sink));
  return {};
}

// The scopes to look in (each path in a root), after checking that the
// request can be carried out.
Result<dedup::DuplicateOptions> CheckRequest(
    Library& lib, const std::vector<catalog::Root>& roots,
    const DupesRequest& request) {
  const dedup::ActionOptions& action = request.action;
  if (action.kind == ActionKind::kMoveTo) {
    if (Status st = dedup::CheckMoveToFolder(lib.fs(), action.move_to, roots);
        !st) {
      const Error& e = st.error();
      return MakeError(ErrorCode::kInvalidArgument, e.message(), e.op(),
                       e.path());
    }
  }
  if (action.keep.kind == dedup::KeepRule::Kind::kRoot &&
      std::none_of(roots.begin(), roots.end(),
                   [&](const auto& r) { return r.name == action.keep.arg; })) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--keep: no root named '" + action.keep.arg + "'");
  }
  dedup::DuplicateOptions scopes;
  for (const std::string& p : request.paths) {
    PHODEX_ASSIGN_OR_RETURN(std::string abs, lib.fs().RealPath(p));
    // A path in no root would silently find nothing: say so.
    PHODEX_TRY(ScopeOfPath(lib.fs(), roots, abs));
    scopes.scopes.push_back(abs);
  }
  return scopes;
}

std::string Plural(int64_t n, const char* what) {
  return util::GroupThousands(static_cast<uint64_t>(n)) + " " + what +
         (n == 1 ? "" : "s");
}

}  // namespace

Result<DupesPlanResult> DupesPlan(Library& lib, const DupesRequest& request,
                                  DupesSink& sink,
                                  const jobs::CancelToken& cancel) {
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots,
                          lib.catalog().ListRoots());
  PHODEX_ASSIGN_OR_RETURN(dedup::DuplicateOptions scopes,
                          CheckRequest(lib, roots, request));
  DupesPlanResult run;
  run.action = request.action;
  run.scope = request.paths.empty() ? "" : request.paths.front();
  run.ops = dedup::NewFileOps(lib.fs());
  PHODEX_TRY(PrepareJournal(lib, request, roots, run, sink));
  if (cancel.cancelled()) {
    return MakeError(ErrorCode::kCancelled, "interrupted", "dupes");
  }
  PHODEX_ASSIGN_OR_RETURN(
      run.report,
      dedup::FindExactDuplicates(lib.catalog(), MediaHashers(lib.fs()), scopes));
  for (const std::string& e : run.report.errors) sink.Unreadable(e);
  if (request.action.kind != ActionKind::kReport) {
    run.plan = dedup::PlanActions(run.report, roots, request.action);
  }
  return run;
}

namespace {

// DupesApply's run, with the operation that recorded it.
Result<DupesApplied> ApplyPlanned(Library& lib, DupesPlanResult& planned,
                                  const jobs::CancelToken& cancel) {
  PHODEX_CHECK(planned.action.kind != ActionKind::kReport);
  PHODEX_CHECK(planned.journal != nullptr && !planned.locks.empty());
  const std::string& move_to = planned.action.move_to;
  if (planned.action.kind == ActionKind::kMoveTo && planned.plan.actions > 0) {
    // A folder that cannot be made fails the run, not each copy.
    if (Status st = lib.fs().MakeDirs(move_to); !st) {
      return MakeError(st.error().code(),
                       "cannot create the move-to folder '" + move_to +
                           "': " + st.error().ToString());
    }
  }
  PHODEX_ASSIGN_OR_RETURN(
      auto rec, dedup::ActionRecorder::Begin(lib.catalog(), lib.fs(),
                                             lib.clock(), planned.scope));
  dedup::ActionEnv env{.fs = lib.fs(),
                       .ops = *planned.ops,
                       .journal = *planned.journal,
                       .recorder = *rec,
                       .tag = rec->op().value,
                       .cancel = cancel.flag()};
  auto r = dedup::ApplyPlan(planned.plan, env);
  if (!r) {
    // The run's error is the one to report.
    (void)rec->Finish(catalog::OperationStatus::kFailed, r.error().ToString());
    return std::unexpected(r.error());
  }
  PHODEX_TRY(rec->Finish(r->interrupted ? catalog::OperationStatus::kInterrupted
                                        : catalog::OperationStatus::kCompleted,
                         r->failed ? Plural(r->failed, "action") + " failed"
                                   : ""));
  return DupesApplied{std::move(*r), rec->op()};
}

}  // namespace

Result<dedup::ApplyReport> DupesApply(Library& lib, DupesPlanResult& planned,
                                      const jobs::CancelToken& cancel) {
  PHODEX_ASSIGN_OR_RETURN(DupesApplied applied,
                          ApplyPlanned(lib, planned, cancel));
  return std::move(applied.report);
}

Result<DupesApplied> DupesApplyPlan(Library& lib, dedup::ActionPlan plan,
                                    const dedup::ActionOptions& action,
                                    DupesSink& sink,
                                    const jobs::CancelToken& cancel) {
  PHODEX_CHECK(action.kind != ActionKind::kReport);
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots,
                          lib.catalog().ListRoots());
  DupesRequest request;
  request.action = action;
  request.apply = DupesRequest::Apply::kYes;
  // The roots may have changed since the plan: the move-to folder and a
  // root:NAME rule are checked again.
  PHODEX_TRY(CheckRequest(lib, roots, request));
  DupesPlanResult run;
  run.action = action;
  run.plan = std::move(plan);
  run.ops = dedup::NewFileOps(lib.fs());
  PHODEX_TRY(PrepareJournal(lib, request, roots, run, sink));
  if (cancel.cancelled()) {
    return MakeError(ErrorCode::kCancelled, "interrupted", "dupes");
  }
  return ApplyPlanned(lib, run, cancel);
}

Result<std::string> AbsoluteFolder(os::FileSystem& fs, const std::string& dir) {
  std::string path = dir;
  if (path.empty() || path.front() != '/') {
    PHODEX_ASSIGN_OR_RETURN(std::string cwd, fs.RealPath("."));
    path = os::JoinPath(cwd, path);
  }
  std::vector<std::string> rest;  // the missing names, innermost first
  for (;;) {
    if (auto real = fs.RealPath(path)) {
      path = *real;
      break;
    }
    if (path == "/") break;
    rest.emplace_back(os::BaseName(path));
    path = os::DirName(path);
  }
  for (auto it = rest.rbegin(); it != rest.rend(); ++it) {
    if (*it == "." || it->empty()) continue;
    path = *it == ".." ? os::DirName(path) : os::JoinPath(path, *it);
  }
  return path;
}

}  // namespace phodex::library
