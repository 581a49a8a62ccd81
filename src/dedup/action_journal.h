#pragma once
// The journal of `phodex dupes --apply`: before a user file is touched, an
// intent record saying exactly what will happen is on disk; after, an
// outcome record. After a crash, the next run finds intents without an
// outcome and settles each from what the file system shows
// (dedup/duplicate_actions.h, RecoverJournal), so every file ends either
// in place or fully moved, linked or deleted, and the catalog learns which.
//
// Format (docs/cli.md, "The dupes journal"): JSON lines in
// <catalog>.dupes-journal. An intent:
//   {"seq":1,"state":"intent","action":"hardlink","victim":"/b/x.jpg",
//    "keeper":"/a/x.jpg","target":"","temp":"",
//    "aside":"/b/.x.jpg.phodex-aside-7-1","size":5242880,"hash":"<32 hex>",
//    "victim_dev":2049,"victim_ino":12,"keeper_dev":2049,"keeper_ino":11,
//    "file_id":42,"root_id":2,"rel":"x.jpg"}
// "aside" is the name the victim is renamed to before it is acted on
// (dedup/duplicate_actions.h: the proof of a second copy); an intent
// without it (an older phodex) never moved its victim aside.
// an outcome: {"seq":1,"state":"done"|"rolled_back"|"failed","detail":""}.
// A move across file systems also journals its progress between the two:
// {"seq":1,"state":"copying"} before the copy starts (its temp file is the
// intent's "temp"), {"seq":1,"state":"copied"} once the copy at the target
// is complete and verified, before the original is removed.
// Paths are bytes: one that is not valid UTF-8 is written {"hex":"2f61..."}.
//
// Durability: each Append rewrites the journal with os::FileSystem's
// AtomicWrite (temp file, fsync, rename, fsync of the folder), so a record
// is on disk when Append returns and a torn line cannot happen. The journal
// only holds the records since the last Checkpoint (one action: its intent
// and outcome), so each rewrite is small.
//
// Single-threaded; one process at a time (the caller holds a lock).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/content_hash.h"
#include "core/error.h"
#include "core/types.h"
#include "dedup/action_plan.h"
#include "os/file_system.h"

namespace phodex::dedup {

// kCopying and kCopied are progress records of a move across file
// systems; kDone, kRolledBack and kFailed are outcomes.
enum class JournalState {
  kIntent,
  kDone,
  kRolledBack,
  kFailed,
  kCopying,
  kCopied
};
const char* JournalStateName(JournalState state);

struct JournalRecord {
  int64_t seq = 0;  // pairs an outcome with its intent
  JournalState state = JournalState::kIntent;
  // The rest is set on intents only (outcomes carry seq, state, detail).
  ActionKind action = ActionKind::kDelete;
  std::string victim;  // absolute paths
  std::string keeper;
  std::string target;  // kMoveTo: where the victim goes
  // kMoveTo: the temp file a copy across file systems is written to,
  // beside the target. (kHardLink: the temporary link beside the victim,
  // in journals of an older phodex.)
  std::string temp;
  // The victim's name while the keeper is proven another file: beside the
  // victim, unique to the run and action. Empty in older journals.
  std::string aside;
  int64_t size = 0;
  ContentHash hash;
  uint64_t victim_dev = 0;
  uint64_t victim_ino = 0;
  uint64_t keeper_dev = 0;
  uint64_t keeper_ino = 0;
  FileId file_id;  // the victim's catalog row
  RootId root;
  std::string rel;
  std::string detail;  // outcomes: what happened, why
};

// An intent and, if they were recorded, its last progress (kCopying or
// kCopied) and its outcome.
struct JournalEntry {
  JournalRecord intent;
  std::optional<JournalState> progress;
  std::optional<JournalRecord> outcome;
};

class ActionJournal {
 public:
  // Loads the journal at `path`; a missing file is an empty journal.
  // kCorrupt names the line that does not parse (nothing is acted on then).
  static Result<std::unique_ptr<ActionJournal>> Open(os::FileSystem& fs,
                                                     std::string path);

  // The actions recorded since the last Checkpoint (those found on disk by
  // Open, at first), in order.
  std::vector<JournalEntry> Entries() const;
  bool empty() const { return records_.empty(); }
  const std::string& path() const { return path_; }

  // Adds `record`; returns once it is on disk.
  Status Append(const JournalRecord& record);
  // The catalog has recorded every outcome so far: the next Append starts
  // the journal afresh. Writes nothing (a crash before that Append
  // replays the last action's catalog update, which is idempotent).
  void Checkpoint() { records_.clear(); }
  // Empties the journal on disk.
  Status Clear();

  // One record as its JSON line, and back (exposed for tests).
  static std::string Encode(const JournalRecord& record);
  static Result<JournalRecord> Decode(const std::string& line);

 private:
  ActionJournal(os::FileSystem& fs, std::string path)
      : fs_(fs), path_(std::move(path)) {}
  Status Write();

  os::FileSystem& fs_;
  std::string path_;
  std::vector<JournalRecord> records_;
};

}  // namespace phodex::dedup
