// RecoverJournal (dedup/duplicate_actions.h): settles the actions a crash
// left without an outcome, from what the file system shows.

#include <optional>

#include "dedup/duplicate_actions.h"
#include "dedup/file_compare.h"

namespace phodex::dedup {
namespace {

struct Settled {
  JournalState state;
  std::string detail;
};

// The stat of `path`; nullopt when nothing is there.
Result<std::optional<FileStat>> StatIfAny(os::FileSystem& fs,
                                          const std::string& path) {
  auto st = fs.Stat(path, os::Follow::kNo);
  if (st) return std::optional<FileStat>(*st);
  if (st.error().code() == ErrorCode::kNotFound) return std::nullopt;
  return std::unexpected(st.error());
}

bool Is(const std::optional<FileStat>& st, uint64_t dev, uint64_t ino) {
  return st && st->dev == dev && st->ino == ino;
}

// The stat at the victim's aside name; nullopt when there is none (or the
// intent, of an older phodex, has none).
Result<std::optional<FileStat>> AsideStat(ActionEnv& env,
                                          const JournalRecord& i) {
  if (i.aside.empty()) return std::nullopt;
  return StatIfAny(env.fs, i.aside);
}

bool IsVictim(const std::optional<FileStat>& st, const JournalRecord& i) {
  return Is(st, i.victim_dev, i.victim_ino);
}

// Gives the victim its name back from the aside name.
Settled PutBack(ActionEnv& env, const JournalRecord& i,
                const std::string& note = "") {
  // Where a rename that never replaces is a link then an unlink (NFS), a
  // crash between the two leaves both names on the victim: its own name is
  // back already, and the aside name is only a second one.
  if (auto victim = StatIfAny(env.fs, i.victim);
      victim && IsVictim(*victim, i)) {
    if (Status st = env.ops.RemoveFile(i.aside); !st) {
      return Settled{JournalState::kFailed, st.error().ToString()};
    }
    // Dropped, best effort: the names are settled already; a failed folder
    // sync only risks that across a power cut, which no retry here fixes.
    (void)env.fs.SyncDir(os::DirName(i.victim));
    return Settled{JournalState::kRolledBack, "left in place" + note};
  }
  if (Status st = env.ops.Rename(i.aside, i.victim, os::Replace::kNo); !st) {
    return Settled{JournalState::kFailed, "the original is at " + i.aside +
                                              " and could not be put back: " +
                                              st.error().ToString() + note};
  }
  // Dropped, best effort: the names are settled already; a failed folder
  // sync only risks that across a power cut, which no retry here fixes.
  (void)env.fs.SyncDir(os::DirName(i.victim));
  return Settled{JournalState::kRolledBack, "put back in place" + note};
}

Result<Settled> SettleDelete(ActionEnv& env, const JournalRecord& i) {
  PHODEX_ASSIGN_OR_RETURN(auto aside, AsideStat(env, i));
  if (IsVictim(aside, i)) return PutBack(env, i);
  PHODEX_ASSIGN_OR_RETURN(auto victim, StatIfAny(env.fs, i.victim));
  if (!victim) return Settled{JournalState::kDone, "deleted"};
  return Settled{JournalState::kRolledBack, "left in place"};
}

Result<Settled> SettleHardLink(ActionEnv& env, const JournalRecord& i) {
  PHODEX_ASSIGN_OR_RETURN(auto aside, AsideStat(env, i));
  PHODEX_ASSIGN_OR_RETURN(auto victim, StatIfAny(env.fs, i.victim));
  PHODEX_ASSIGN_OR_RETURN(auto keeper, StatIfAny(env.fs, i.keeper));
  const bool linked = Is(victim, i.keeper_dev, i.keeper_ino);
  if (IsVictim(aside, i)) {
    // The link is made only once the keeper was proven a second copy.
    if (linked) {
      if (Status st = env.ops.RemoveFile(i.aside); !st) {
        return Settled{JournalState::kFailed, st.error().ToString()};
      }
      // Dropped, best effort: the names are settled already; a failed folder
      // sync only risks that across a power cut, which no retry here fixes.
      (void)env.fs.SyncDir(os::DirName(i.victim));
      return Settled{JournalState::kDone, "linked"};
    }
    return PutBack(env, i);
  }
  std::optional<FileStat> temp;
  if (!i.temp.empty()) {
    PHODEX_ASSIGN_OR_RETURN(temp, StatIfAny(env.fs, i.temp));
  }
  if (Is(temp, i.keeper_dev, i.keeper_ino)) {
    // A leftover name of the keeper. Removed only while the keeper has
    // another name, so that its content never loses its last one.
    if (!linked && !Is(keeper, i.keeper_dev, i.keeper_ino)) {
      return Settled{JournalState::kFailed,
                     "the copy kept is gone; its content is at " + i.temp};
    }
    if (Status st = env.ops.RemoveFile(i.temp); !st) {
      return Settled{JournalState::kFailed, st.error().ToString()};
    }
  }
  if (linked) return Settled{JournalState::kDone, "linked"};
  if (victim) return Settled{JournalState::kRolledBack, "left in place"};
  return Settled{JournalState::kFailed,
                 "gone (not removed by phodex); the copy kept is " + i.keeper};
}

Result<Settled> SettleMove(ActionEnv& env, const JournalRecord& i) {
  PHODEX_ASSIGN_OR_RETURN(auto aside, AsideStat(env, i));
  PHODEX_ASSIGN_OR_RETURN(auto victim, StatIfAny(env.fs, i.victim));
  PHODEX_ASSIGN_OR_RETURN(auto target, StatIfAny(env.fs, i.target));
  const bool at_target = IsVictim(target, i);
  // Where the original's name is now, if it still has one.
  const std::string* original = IsVictim(aside, i)    ? &i.aside
                                : IsVictim(victim, i) ? &i.victim
                                                      : nullptr;
  if (at_target && original) {
    // Linked at the target, old name not removed yet: finish the move.
    if (Status st = env.ops.RemoveFile(*original); !st) {
      return Settled{JournalState::kFailed, st.error().ToString()};
    }
    return Settled{JournalState::kDone, "move finished"};
  }
  if (at_target) return Settled{JournalState::kDone, "moved"};
  if (original == &i.aside) return PutBack(env, i);
  if (victim) return Settled{JournalState::kRolledBack, "left in place"};
  return Settled{JournalState::kFailed,
                 "gone (not moved by phodex); the copy kept is " + i.keeper};
}

// Whether `target` is a complete copy of the victim: a regular file of
// the intent's size holding the bytes of `original`.
Result<bool> IsCompleteCopy(ActionEnv& env, const JournalRecord& i,
                            const std::optional<FileStat>& target,
                            const std::string& original) {
  if (!target || target->type != FileType::kRegular || target->size != i.size) {
    return false;
  }
  return SameBytes(env.fs, original, i.target);
}

// A move across file systems (copy, verify, remove) that was interrupted
// after its "copying" record.
Result<Settled> SettleCopyMove(ActionEnv& env, const JournalRecord& i) {
  std::string note;
  // The temp's name is unique to this run and action, and it was created
  // exclusively, so a regular file there is ours: a partial copy, or a
  // second name of the finished target.
  PHODEX_ASSIGN_OR_RETURN(auto temp, StatIfAny(env.fs, i.temp));
  if (!i.temp.empty() && temp && temp->type == FileType::kRegular) {
    if (Status st = env.ops.RemoveFile(i.temp); !st) {
      note = "; the partial copy " + i.temp +
             " could not be removed: " + st.error().ToString();
    }
  }
  PHODEX_ASSIGN_OR_RETURN(auto aside, AsideStat(env, i));
  PHODEX_ASSIGN_OR_RETURN(auto victim, StatIfAny(env.fs, i.victim));
  PHODEX_ASSIGN_OR_RETURN(auto target, StatIfAny(env.fs, i.target));
  // Where the original is now: at its aside name, at its own, or gone.
  const bool is_aside = IsVictim(aside, i);
  const bool ours = is_aside || IsVictim(victim, i);
  const std::string& original = is_aside ? i.aside : i.victim;
  auto complete = IsCompleteCopy(env, i, target, ours ? original : i.keeper);
  if (!complete && is_aside) {
    return PutBack(env, i, "; " + complete.error().ToString() + note);
  }
  if (!complete) {
    return Settled{JournalState::kFailed, complete.error().ToString() + note};
  }
  if (*complete && ours) {
    if (Status st = env.ops.RemoveFile(original); !st) {
      return Settled{JournalState::kFailed, st.error().ToString() + note};
    }
    // Dropped, best effort: the names are settled already; a failed folder
    // sync only risks that across a power cut, which no retry here fixes.
    (void)env.fs.SyncDir(os::DirName(i.victim));
    return Settled{JournalState::kDone,
                   "move finished (copied across file systems)" + note};
  }
  if (*complete && !victim) return Settled{JournalState::kDone, "moved" + note};
  if (*complete) {
    return Settled{JournalState::kFailed,
                   "another file is at the original's place now; the copy "
                   "at " +
                       i.target + " is kept" + note};
  }
  if (target) {
    note += "; " + i.target + " is not a complete copy of it, left alone";
  }
  if (is_aside) return PutBack(env, i, note);
  if (victim) return Settled{JournalState::kRolledBack, "left in place" + note};
  return Settled{
      JournalState::kFailed,
      "gone (not moved by phodex); the copy kept is " + i.keeper + note};
}

Result<Settled> Settle(ActionEnv& env, const JournalEntry& e) {
  const JournalRecord& intent = e.intent;
  if (intent.action == ActionKind::kMoveTo && e.progress) {
    return SettleCopyMove(env, intent);
  }
  switch (intent.action) {
    case ActionKind::kDelete:
      return SettleDelete(env, intent);
    case ActionKind::kHardLink:
      return SettleHardLink(env, intent);
    case ActionKind::kMoveTo:
      return SettleMove(env, intent);
    case ActionKind::kReport:
      break;
  }
  return Settled{JournalState::kFailed, "not an action"};
}

void Count(ActionRecorder& recorder, const JournalRecord& intent,
           JournalState state) {
  catalog::OperationCounts& c = recorder.counts();
  ++c.scanned;
  if (state != JournalState::kDone) {
    ++c.errors;
    return;
  }
  switch (intent.action) {
    case ActionKind::kDelete:
      ++c.removed;
      break;
    case ActionKind::kHardLink:
      ++c.updated;
      break;
    case ActionKind::kMoveTo:
      ++c.moved;
      break;
    case ActionKind::kReport:
      break;
  }
}

}  // namespace

Result<std::vector<RecoveredAction>> RecoverJournal(ActionEnv& env) {
  std::vector<RecoveredAction> out;
  for (const JournalEntry& e : env.journal.Entries()) {
    RecoveredAction r{e.intent, JournalState::kRolledBack, ""};
    if (e.outcome) {
      r.state = e.outcome->state;
      r.detail = e.outcome->detail;
    } else {
      PHODEX_ASSIGN_OR_RETURN(Settled s, Settle(env, e));
      r.state = s.state;
      r.detail = "interrupted; " + s.detail;
      JournalRecord outcome;
      outcome.seq = e.intent.seq;
      outcome.state = s.state;
      outcome.detail = r.detail;
      PHODEX_TRY(env.journal.Append(outcome));
    }
    Count(env.recorder, e.intent, r.state);
    if (r.state == JournalState::kDone) {
      PHODEX_TRY(env.recorder.RecordDone(e.intent));
    } else {
      PHODEX_TRY(env.recorder.RecordProblem(e.intent.root, e.intent.victim,
                                            e.intent.action, r.detail));
    }
    out.push_back(std::move(r));
  }
  PHODEX_TRY(env.journal.Clear());
  return out;
}

}  // namespace phodex::dedup
