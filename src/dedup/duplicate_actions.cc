#include "dedup/duplicate_actions.h"

#include <optional>
#include <set>

#include "dedup/file_compare.h"
#include "util/metrics.h"

namespace phodex::dedup {
namespace {

using Inode = std::pair<uint64_t, uint64_t>;  // (dev, ino)

// How one attempt ended: kDone, kRolledBack (nothing changed) or kFailed.
struct StepOutcome {
  JournalState state;
  std::string detail;
};

StepOutcome Failed(const Error& e) {
  return {JournalState::kFailed, e.ToString()};
}

// "changed since the scan (mtime)" -> "changed since the scan".
std::string ReasonKey(const std::string& reason) {
  std::string key = reason.substr(0, reason.find_first_of(":("));
  while (!key.empty() && key.back() == ' ') key.pop_back();
  return key;
}

// A hidden name beside `path`, ".NAME.phodex-<what>-<tag>-<seq>", unique
// to this run (`tag`) and action (`seq`), so that recovery finds it and
// never meets a stale one; NAME cut to 200 bytes, short enough for
// NAME_MAX. Appended piece by piece: GCC 12 misreads `"." + std::string`
// as an overlapping memcpy (-Wrestrict, GCC bug 105651) in Release builds.
std::string SideName(const std::string& path, const char* what, int64_t tag,
                     int64_t seq) {
  std::string name = ".";
  name += os::BaseName(path).substr(0, 200);
  name += ".phodex-";
  name += what;
  name += '-';
  name += std::to_string(tag);
  name += '-';
  name += std::to_string(seq);
  return os::JoinPath(os::DirName(path), name);
}

JournalRecord MakeIntent(const PlannedAction& a, int64_t seq, int64_t tag) {
  JournalRecord r;
  r.seq = seq;
  r.action = a.kind;
  r.victim = a.victim.path;
  r.keeper = a.keeper.path;
  r.target = a.target;
  r.aside = SideName(a.victim.path, "aside", tag, seq);
  // Where a copy across file systems is written before it takes the
  // target's name.
  if (a.kind == ActionKind::kMoveTo) {
    r.temp = SideName(a.target, "copy", tag, seq);
  }
  r.size = a.size;
  r.hash = a.hash;
  r.victim_dev = a.victim.dev;
  r.victim_ino = a.victim.ino;
  r.keeper_dev = a.keeper.dev;
  r.keeper_ino = a.keeper.ino;
  r.file_id = a.victim.id;
  r.root = a.victim_root;
  r.rel = a.victim.rel;
  return r;
}

// Why a move cannot start: its target's folder cannot be created (an
// error: kFailed), or a file is at the target (kSkipped).
struct MoveProblem {
  Outcome outcome;
  std::string why;
};

// Makes the target's folder; nullopt when the target is free.
std::optional<MoveProblem> PrepareMove(os::FileSystem& fs,
                                       const PlannedAction& a) {
  const std::string dir = os::DirName(a.target);
  if (Status st = fs.MakeDirs(dir); !st) {
    return MoveProblem{Outcome::kFailed, "cannot create the target folder '" +
                                             dir +
                                             "': " + st.error().ToString()};
  }
  auto t = fs.Stat(a.target, os::Follow::kNo);
  if (t) {
    return MoveProblem{Outcome::kSkipped, "the target exists: " + a.target};
  }
  if (t.error().code() != ErrorCode::kNotFound) {
    return MoveProblem{Outcome::kFailed,
                       "cannot stat the target: " + t.error().ToString()};
  }
  return std::nullopt;
}

// Makes the last step in `dir` survive a power cut. The step is done
// either way: a failure is only noted in the outcome's detail.
std::string Sync(ActionEnv& env, const std::string& dir) {
  if (Status st = env.fs.SyncDir(dir); !st) {
    return "done; folder not synced: " + st.error().ToString();
  }
  return "";
}

// Gives the victim its name back from the aside name after `o` (an
// outcome other than done). Only a failure to do so changes `o`.
StepOutcome PutBack(ActionEnv& env, const JournalRecord& i, StepOutcome o) {
  if (Status st = env.ops.Rename(i.aside, i.victim, os::Replace::kNo); !st) {
    return {JournalState::kFailed, o.detail +
                                       "; could not be put back, it is at " +
                                       i.aside + ": " + st.error().ToString()};
  }
  // Dropped, best effort: the victim is back under its name; a failed
  // folder sync only risks that across a power cut, and either name is
  // safe then (action_recovery.cc).
  (void)env.fs.SyncDir(os::DirName(i.victim));
  return o;
}

StepOutcome DoDelete(ActionEnv& env, const JournalRecord& i) {
  if (Status st = env.ops.RemoveFile(i.aside); !st) {
    return PutBack(env, i, Failed(st.error()));
  }
  return {JournalState::kDone, Sync(env, os::DirName(i.victim))};
}

Status Progress(ActionEnv& env, const JournalRecord& i, JournalState state) {
  JournalRecord r;
  r.seq = i.seq;
  r.state = state;
  return env.journal.Append(r);
}

// A move to another file system: a durable copy of the victim (at its
// aside name) at the target, its bytes compared, then the victim's name
// removed. Each phase is journaled first, so that recovery knows which
// files are its own.
StepOutcome CopyAcross(ActionEnv& env, const JournalRecord& i) {
  if (Status st = Progress(env, i, JournalState::kCopying); !st) {
    return PutBack(env, i, Failed(st.error()));
  }
  if (Status st = env.fs.CopyFileDurable(i.aside, i.target, i.temp); !st) {
    if (st.error().code() == ErrorCode::kAlreadyExists) {
      return PutBack(
          env, i,
          {JournalState::kRolledBack, "the target exists: " + i.target});
    }
    // The victim is untouched; the error names the file that failed (a
    // full disk: the temp file beside the target).
    return PutBack(env, i,
                   {JournalState::kFailed, "cannot copy to " + i.target + ": " +
                                               st.error().ToString()});
  }
  // The target was free and is never replaced: the file there is ours.
  auto same = SameBytes(env.fs, i.aside, i.target);
  if (!same || !*same) {
    // Dropped: the step already failed; a copy left at the target is ours
    // and the original is put back either way.
    (void)env.ops.RemoveFile(i.target);
    return PutBack(
        env, i,
        {JournalState::kFailed,
         same ? "the copy at the target differs from the original; "
                "removed, the original left in place"
              : "cannot compare the copy: " + same.error().ToString()});
  }
  if (Status st = Progress(env, i, JournalState::kCopied); !st) {
    // Dropped: the journal error is the one reported; the copy is ours.
    (void)env.ops.RemoveFile(i.target);
    return PutBack(env, i, Failed(st.error()));
  }
  if (Status st = env.ops.RemoveFile(i.aside); !st) {
    // Dropped: a verified copy, nothing lost if it stays; the first
    // error is the one reported.
    (void)env.ops.RemoveFile(i.target);
    return PutBack(env, i, Failed(st.error()));
  }
  return {JournalState::kDone, Sync(env, os::DirName(i.victim))};
}

StepOutcome DoHardLink(ActionEnv& env, const JournalRecord& i) {
  // The victim's name is free while it is aside: the link takes it.
  if (Status st = env.ops.HardLink(i.keeper, i.victim); !st) {
    if (st.error().code() == ErrorCode::kUnsupported) {
      return PutBack(env, i,
                     {JournalState::kRolledBack,
                      "cannot hard link here: " + st.error().message()});
    }
    return PutBack(env, i, Failed(st.error()));
  }
  if (Status st = env.ops.RemoveFile(i.aside); !st) {
    // Back as it was: the original over the new link.
    if (Status back = env.ops.Rename(i.aside, i.victim, os::Replace::kYes);
        !back) {
      return {JournalState::kFailed, st.error().ToString() +
                                         "; the original is at " + i.aside +
                                         ": " + back.error().ToString()};
    }
    return Failed(st.error());
  }
  return {JournalState::kDone, Sync(env, os::DirName(i.victim))};
}

StepOutcome DoMove(ActionEnv& env, const JournalRecord& i) {
  auto target_exists = [&] {
    return PutBack(
        env, i, {JournalState::kRolledBack, "the target exists: " + i.target});
  };
  Status linked = env.ops.HardLink(i.aside, i.target);
  if (!linked && linked.error().code() == ErrorCode::kAlreadyExists) {
    return target_exists();
  }
  if (!linked && linked.error().code() != ErrorCode::kUnsupported) {
    return PutBack(env, i, Failed(linked.error()));
  }
  if (!linked) {
    // No hard links here, or another file system.
    Status renamed = env.ops.Rename(i.aside, i.target, os::Replace::kNo);
    if (!renamed && renamed.error().code() == ErrorCode::kAlreadyExists) {
      return target_exists();
    }
    if (!renamed && renamed.error().code() == ErrorCode::kUnsupported) {
      return CopyAcross(env, i);
    }
    if (!renamed) return PutBack(env, i, Failed(renamed.error()));
    std::string note = Sync(env, os::DirName(i.target));
    if (note.empty()) note = Sync(env, os::DirName(i.victim));
    return {JournalState::kDone, note};
  }
  // Two names of one file now. The new one reaches the disk before the old
  // one is dropped, so that a power cut cannot lose both.
  if (Status st = env.fs.SyncDir(os::DirName(i.target)); !st) {
    // Dropped: the first error is the one reported; a second name left at
    // the target is only a link to the same file.
    (void)env.ops.RemoveFile(i.target);
    return PutBack(env, i, Failed(st.error()));
  }
  if (Status st = env.ops.RemoveFile(i.aside); !st) {
    // Dropped: the first error is the one reported; a second name left at
    // the target is only a link to the same file.
    (void)env.ops.RemoveFile(i.target);
    return PutBack(env, i, Failed(st.error()));
  }
  return {JournalState::kDone, Sync(env, os::DirName(i.victim))};
}

// Moves the victim aside, proves the keeper is a second copy (see
// ProveSecondCopy), then acts; any doubt puts the victim back.
StepOutcome Act(ActionEnv& env, const PlannedAction& a,
                const JournalRecord& intent) {
  PHODEX_METRIC_RECORD("dedup.act");
  if (Status st = env.ops.Rename(intent.victim, intent.aside, os::Replace::kNo);
      !st) {
    return Failed(st.error());  // nothing changed
  }
  if (std::string why =
          ProveSecondCopy(env.fs, a.keeper, intent.aside, intent.size);
      !why.empty()) {
    return PutBack(env, intent, {JournalState::kRolledBack, why});
  }
  switch (intent.action) {
    case ActionKind::kDelete:
      return DoDelete(env, intent);
    case ActionKind::kHardLink:
      return DoHardLink(env, intent);
    case ActionKind::kMoveTo:
      return DoMove(env, intent);
    case ActionKind::kReport:
      break;
  }
  PHODEX_CHECK(false);
  return {JournalState::kFailed, ""};
}

class Applier {
 public:
  explicit Applier(ActionEnv& env) : env_(env) {}

  Status Apply(const PlannedAction& a) {
    ++env_.recorder.counts().scanned;
    std::string why = a.skip;
    if (why.empty()) why = VerifyDuplicate(env_.fs, a.keeper, a.victim, a.size);
    if (!why.empty()) return Finish(a, Outcome::kSkipped, why);
    if (a.kind == ActionKind::kMoveTo) {
      if (auto problem = PrepareMove(env_.fs, a)) {
        return Finish(a, problem->outcome, problem->why);
      }
    }
    const JournalRecord intent = MakeIntent(a, ++seq_, env_.tag);
    PHODEX_TRY(env_.journal.Append(intent));
    const StepOutcome o = Act(env_, a, intent);
    JournalRecord outcome;
    outcome.seq = intent.seq;
    outcome.state = o.state;
    outcome.detail = o.detail;
    PHODEX_TRY(env_.journal.Append(outcome));
    if (o.state == JournalState::kDone) {
      Count(a);
      PHODEX_TRY(env_.recorder.RecordDone(intent));
      env_.journal.Checkpoint();
      report_.results.push_back({a, Outcome::kDone, ""});
      return {};
    }
    PHODEX_TRY(Finish(
        a,
        o.state == JournalState::kFailed ? Outcome::kFailed : Outcome::kSkipped,
        o.detail));
    env_.journal.Checkpoint();
    return {};
  }

  ApplyReport& report() { return report_; }

 private:
  void Count(const PlannedAction& a) {
    switch (a.kind) {
      case ActionKind::kDelete:
        ++report_.deleted;
        ++env_.recorder.counts().removed;
        break;
      case ActionKind::kHardLink:
        ++report_.linked;
        ++env_.recorder.counts().updated;
        break;
      case ActionKind::kMoveTo:
        ++report_.moved;
        report_.bytes_moved += a.size;
        ++env_.recorder.counts().moved;
        break;
      case ActionKind::kReport:
        break;
    }
    // A move frees nothing where the folder it goes to is on the same file
    // system: its bytes are counted as moved instead.
    const Inode inode{a.victim.dev, a.victim.ino};
    if (a.kind != ActionKind::kMoveTo && a.frees > 0 &&
        !not_freed_.count(inode)) {
      report_.bytes_freed += a.frees;
    }
  }

  // An action not done: counted, its reason kept in the catalog.
  Status Finish(const PlannedAction& a, Outcome outcome,
                const std::string& why) {
    not_freed_.insert({a.victim.dev, a.victim.ino});
    ++(outcome == Outcome::kFailed ? report_.failed : report_.skipped);
    if (outcome == Outcome::kSkipped) ++report_.skip_reasons[ReasonKey(why)];
    ++env_.recorder.counts().errors;
    report_.results.push_back({a, outcome, why});
    return env_.recorder.RecordProblem(a.victim_root, a.victim.path, a.kind,
                                       why);
  }

  ActionEnv& env_;
  ApplyReport report_;
  int64_t seq_ = 0;
  std::set<Inode> not_freed_;  // victim inodes with a path not acted on
};

}  // namespace

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kDone:
      return "done";
    case Outcome::kSkipped:
      return "skipped";
    case Outcome::kFailed:
      return "failed";
  }
  return "failed";
}

Result<ApplyReport> ApplyPlan(const ActionPlan& plan, ActionEnv& env) {
  PHODEX_METRIC_RECORD("dedup.apply");
  PHODEX_CHECK(env.journal.empty());
  Applier applier(env);
  for (const PlannedGroup& g : plan.groups) {
    for (const PlannedAction& a : g.actions) {
      if (env.cancel != nullptr && env.cancel->load()) {
        applier.report().interrupted = true;
        break;
      }
      PHODEX_TRY(applier.Apply(a));
    }
    if (applier.report().interrupted) break;
  }
  // Every outcome is in the catalog now.
  PHODEX_TRY(env.journal.Clear());
  return std::move(applier.report());
}

std::vector<PathStatus> DescribePaths(const ActionPlan& plan,
                                      const ApplyReport* applied) {
  std::map<std::string, const ActionResult*> results;
  if (applied) {
    for (const ActionResult& r : applied->results) {
      results[r.action.victim.path] = &r;
    }
  }
  std::vector<PathStatus> out;
  for (size_t i = 0; i < plan.groups.size(); ++i) {
    const PlannedGroup& g = plan.groups[i];
    for (const DuplicateFile& k : g.kept) {
      out.push_back({i, &k, nullptr, "kept", g.skip});
    }
    for (const PlannedAction& a : g.actions) {
      PathStatus p{i, &a.victim, &a, a.skip.empty() ? "planned" : "skipped",
                   a.skip};
      if (applied) {
        auto it = results.find(a.victim.path);
        p.status = it == results.end() ? "interrupted"
                                       : OutcomeName(it->second->outcome);
        p.reason = it == results.end() ? "" : it->second->reason;
      }
      out.push_back(std::move(p));
    }
  }
  return out;
}

}  // namespace phodex::dedup
