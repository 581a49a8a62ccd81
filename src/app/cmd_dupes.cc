// phodex dupes [PATH...] [--json|--csv]
//              [--action report|hardlink|move-to DIR|delete]
//              [--keep RULE] [--apply]

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>

#include "app/commands.h"
#include "app/path_query.h"
#include "app/roots.h"
#include "dedup/duplicate_actions.h"
#include "dedup/exact_duplicates.h"
#include "media/hasher.h"
#include "os/clock.h"
#include "os/process.h"
#include "util/text.h"

namespace phodex::app {
namespace {

using dedup::ActionKind;

struct DupesArgs {
  std::vector<std::string> paths;
  bool json = false;
  bool csv = false;
  std::vector<std::string> action;  // "move-to DIR" is two words
  std::string keep = "oldest";
  bool apply = false;
};

// A usage error (exit 2) or another failure (exit 1), with its message.
struct Failure {
  int code;
  std::string message;
};

int Fail(const Failure& f) { return PrintError(f.message), f.code; }
int Fail(const Error& e) { return PrintError(e.ToString()), kExitError; }

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

// The absolute form of folder `dir`, which need not exist yet: the part
// that exists canonical (symlinks resolved), the rest with "." and ".."
// taken away, so that it can be compared with the roots.
Result<std::string> AbsoluteFolder(Context& ctx, const std::string& dir) {
  std::string path = dir;
  if (path.empty() || path.front() != '/') {
    PHODEX_ASSIGN_OR_RETURN(std::string cwd, ctx.fs().RealPath("."));
    path = os::JoinPath(cwd, path);
  }
  std::vector<std::string> rest;  // the missing names, innermost first
  for (;;) {
    if (auto real = ctx.fs().RealPath(path)) {
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

// --action, --keep and --apply, checked against each other.
std::expected<dedup::ActionOptions, Failure> ParseActionArgs(Context& ctx,
                                                             DupesArgs& a) {
  auto usage = [](const std::string& m) {
    return std::unexpected(Failure{kExitUsage, m});
  };
  dedup::ActionOptions o;
  std::vector<std::string> words = a.action;
  if (!words.empty()) {
    auto kind = dedup::ParseActionKind(words.front());
    if (!kind) return usage(kind.error().ToString());
    o.kind = *kind;
    words.erase(words.begin());
  }
  if (o.kind == ActionKind::kMoveTo) {
    if (words.empty()) return usage("--action move-to needs a folder: DIR");
    if (words.front().empty()) {
      return usage(
          "--action move-to: the folder is empty; name one (\".\" "
          "for the current folder)");
    }
    auto dir = AbsoluteFolder(ctx, words.front());
    if (!dir) {
      return std::unexpected(Failure{kExitError, dir.error().ToString()});
    }
    o.move_to = *dir;
    words.erase(words.begin());
  }
  // CLI11 gives --action the word after it too: that one is a PATH.
  a.paths.insert(a.paths.end(), words.begin(), words.end());
  auto keep = dedup::ParseKeepRule(a.keep);
  if (!keep) return usage(keep.error().ToString());
  o.keep = *keep;
  if (o.kind == ActionKind::kReport && a.apply) {
    return usage("--apply needs --action hardlink, move-to DIR or delete");
  }
  if (o.kind != ActionKind::kReport && a.csv) {
    return usage("--csv lists groups only; use --json with --action");
  }
  return o;
}

// The journal's lock, then every root's scan lock: no scan and no other
// dupes run touches the catalog's files while this one acts.
std::expected<std::vector<std::unique_ptr<os::FileLock>>, Failure> LockAll(
    Context& ctx, catalog::Catalog& cat) {
  std::vector<std::unique_ptr<os::FileLock>> locks;
  auto fail = [](const Error& e, const std::string& what) {
    return std::unexpected(
        Failure{e.code() == ErrorCode::kBusy ? kExitBusy : kExitError,
                what + ": " + e.message()});
  };
  auto own = os::FileLock::Acquire(ctx.catalog_path() + ".dupes.lock",
                                   os::FileLock::Wait::kNo);
  if (!own) return fail(own.error(), "another dupes run is at work");
  locks.push_back(std::move(*own));
  auto roots = cat.ListRoots();
  if (!roots) return fail(roots.error(), "list roots");
  for (const catalog::Root& r : *roots) {
    auto l =
        os::FileLock::Acquire(RootLockPath(ctx, r.id), os::FileLock::Wait::kNo);
    if (!l) return fail(l.error(), "root '" + r.name + "' is busy");
    locks.push_back(std::move(*l));
  }
  return locks;
}

// Settles what an interrupted --apply left in the journal (docs/cli.md).
std::expected<void, Failure> SettleJournal(Context& ctx, catalog::Catalog& cat,
                                           dedup::ActionJournal& journal,
                                           dedup::FileOps& ops) {
  auto fail = [&](const Error& e) {
    return std::unexpected(Failure{
        kExitError,
        "settling the journal " + journal.path() + ": " + e.ToString()});
  };
  auto rec =
      dedup::ActionRecorder::Begin(cat, ctx.fs(), os::SystemClock(), "journal");
  if (!rec) return fail(rec.error());
  dedup::ActionEnv env{.fs = ctx.fs(),
                       .ops = ops,
                       .journal = journal,
                       .recorder = **rec,
                       .tag = (*rec)->op().value};
  auto settled = dedup::RecoverJournal(env);
  if (!settled) {
    (void)(*rec)->Finish(catalog::OperationStatus::kFailed,
                         settled.error().ToString());
    return fail(settled.error());
  }
  for (const dedup::RecoveredAction& r : *settled) {
    std::fprintf(stderr,
                 "phodex: journal of an interrupted run: %s %s: %s (%s)\n",
                 dedup::ActionKindName(r.intent.action),
                 util::EscapeForTerminal(r.intent.victim).c_str(),
                 dedup::JournalStateName(r.state),
                 util::EscapeControls(r.detail).c_str());
  }
  (void)(*rec)->Finish(catalog::OperationStatus::kCompleted, "");
  return {};
}

// Paths that share an inode with another member of the group, escaped.
std::vector<std::vector<std::string>> HardLinks(
    const dedup::DuplicateGroup& g) {
  auto sets = dedup::HardLinkSets(g);
  for (auto& set : sets) {
    for (std::string& p : set) p = util::EscapeBytes(p);
  }
  return sets;
}

void PrintGroups(const dedup::DuplicateReport& report, const DupesArgs& a) {
  if (a.csv) std::printf("group,size,hash,path\n");
  int n = 0;
  for (const dedup::DuplicateGroup& g : report.groups) {
    ++n;
    if (a.json) {
      nlohmann::ordered_json j;
      j["size"] = g.size;
      j["hash"] = g.hash.ToHex();
      j["paths"] = nlohmann::ordered_json::array();
      for (const auto& f : g.files) j["paths"].push_back(util::EscapeBytes(f.path));
      j["wasted"] = g.wasted;
      j["hardlinks"] = HardLinks(g);
      std::printf("%s\n", j.dump().c_str());
    } else if (a.csv) {
      for (const auto& f : g.files) {
        std::printf("%d,%lld,%s,\"%s\"\n", n, static_cast<long long>(g.size),
                    g.hash.ToHex().c_str(), util::EscapeBytes(f.path).c_str());
      }
    } else {
      std::printf("%zu copies of %s (%s), %s wasted\n", g.files.size(),
                  util::HumanBytes(static_cast<uint64_t>(g.size)).c_str(),
                  g.hash.ToHex().c_str(),
                  util::HumanBytes(static_cast<uint64_t>(g.wasted)).c_str());
      for (const auto& f : g.files) {
        std::printf("  %s\n", util::EscapeForTerminal(f.path).c_str());
      }
      for (const auto& links : HardLinks(g)) {
        std::printf("  (hard links to one file, no space wasted: %zu paths)\n",
                    links.size());
      }
    }
  }
}

// "keep", "would delete", "deleted", "skipped", "FAILED", ...
std::string TextVerb(const dedup::PathStatus& p) {
  if (p.action == nullptr) return "keep";
  static const std::map<ActionKind, std::pair<const char*, const char*>>
      kVerbs = {{ActionKind::kDelete, {"would delete", "deleted"}},
                {ActionKind::kHardLink, {"would link", "linked"}},
                {ActionKind::kMoveTo, {"would move", "moved"}}};
  const auto& [planned, done] = kVerbs.at(p.action->kind);
  if (p.status == "planned") return planned;
  if (p.status == "done") return done;
  return p.status == "failed" ? "FAILED" : p.status;
}

void PrintPathJson(const dedup::PlannedGroup& g, const dedup::PathStatus& p) {
  using Json = nlohmann::ordered_json;
  auto text_or_null = [](const std::string& s) {
    return s.empty() ? Json() : Json(util::EscapeBytes(s));
  };
  const dedup::PlannedAction* a = p.action;
  Json j;
  j["group"] = p.group + 1;
  j["action"] = a ? dedup::ActionKindName(a->kind) : "keep";
  j["path"] = util::EscapeBytes(p.file->path);
  j["keeper"] = text_or_null(a ? a->keeper.path : "");
  j["target"] = text_or_null(a ? a->target : "");
  j["size"] = g.size;
  j["hash"] = g.hash.ToHex();
  j["frees"] = a ? a->frees : 0;
  j["status"] = p.status;
  j["reason"] = text_or_null(p.reason);
  std::printf("%s\n", j.dump().c_str());
}

// The plan, or with `applied` what became of it: one line per path.
void PrintPlan(const dedup::ActionPlan& plan, const dedup::ApplyReport* applied,
               bool json) {
  size_t last_group = SIZE_MAX;
  for (const dedup::PathStatus& p : dedup::DescribePaths(plan, applied)) {
    const dedup::PlannedGroup& g = plan.groups[p.group];
    if (json) {
      PrintPathJson(g, p);
      continue;
    }
    if (p.group != last_group) {
      last_group = p.group;
      std::printf(
          "%zu copies of %s (%s)%s\n", g.kept.size() + g.actions.size(),
          util::HumanBytes(static_cast<uint64_t>(g.size)).c_str(),
          g.hash.ToHex().c_str(),
          g.skip.empty()
              ? ""
              : util::EscapeControls(": left alone, " + g.skip).c_str());
    }
    std::string verb = TextVerb(p);
    verb.resize(std::max<size_t>(verb.size() + 1, 14), ' ');
    std::string line = "  " + verb + util::EscapeForTerminal(p.file->path);
    if (p.action && !p.action->target.empty()) {
      line += " -> " + util::EscapeForTerminal(p.action->target);
    }
    if (!p.reason.empty() && p.action) {
      line += ": " + util::EscapeControls(p.reason, util::Newline::kEscape);
    }
    std::printf("%s\n", line.c_str());
  }
}

std::string Plural(int64_t n, const char* what) {
  return util::GroupThousands(static_cast<uint64_t>(n)) + " " + what +
         (n == 1 ? "" : "s");
}

void PrintDryRunSummary(const dedup::ActionPlan& plan, ActionKind kind,
                        FILE* out) {
  const std::string bytes =
      util::HumanBytes(static_cast<uint64_t>(plan.bytes_freed));
  const std::string files = Plural(plan.actions, "file");
  std::string what = "move " + files + " (" + bytes + ")";
  if (kind == ActionKind::kDelete) {
    what = "delete " + files + ", freeing " + bytes;
  } else if (kind == ActionKind::kHardLink) {
    what = "link " + files + ", freeing " + bytes;
  }
  std::fprintf(
      out,
      "dry run: would %s; %s skipped, %s left alone. Nothing was "
      "changed: --apply does it.\n",
      what.c_str(),
      util::GroupThousands(static_cast<uint64_t>(plan.skipped)).c_str(),
      Plural(plan.groups_left_alone, "group").c_str());
}

void PrintApplySummary(const dedup::ApplyReport& r, FILE* out) {
  std::string why;
  for (const auto& [reason, count] : r.skip_reasons) {
    why += (why.empty() ? " (" : ", ") + std::to_string(count) + " " + reason;
  }
  if (!why.empty()) why += ")";
  auto n = [](int64_t v) {
    return util::GroupThousands(static_cast<uint64_t>(v));
  };
  std::fprintf(out,
               "%s deleted, %s linked, %s moved (%s); %s freed; %s "
               "skipped%s; %s failed%s\n",
               Plural(r.deleted, "file").c_str(), n(r.linked).c_str(),
               n(r.moved).c_str(),
               util::HumanBytes(static_cast<uint64_t>(r.bytes_moved)).c_str(),
               util::HumanBytes(static_cast<uint64_t>(r.bytes_freed)).c_str(),
               n(r.skipped).c_str(), why.c_str(), n(r.failed).c_str(),
               r.interrupted ? "; interrupted" : "");
}

int ApplyAndPrint(Context& ctx, catalog::Catalog& cat, const DupesArgs& a,
                  const dedup::ActionPlan& plan, dedup::ActionJournal& journal,
                  dedup::FileOps& ops) {
  const std::atomic<bool>& cancel = os::InstallInterruptHandler();
  auto rec = dedup::ActionRecorder::Begin(
      cat, ctx.fs(), os::SystemClock(), a.paths.empty() ? "" : a.paths.front());
  if (!rec) return Fail(rec.error());
  dedup::ActionEnv env{.fs = ctx.fs(),
                       .ops = ops,
                       .journal = journal,
                       .recorder = **rec,
                       .tag = (*rec)->op().value,
                       .cancel = &cancel};
  auto r = dedup::ApplyPlan(plan, env);
  if (!r) {
    (void)(*rec)->Finish(catalog::OperationStatus::kFailed,
                         r.error().ToString());
    return Fail(r.error());
  }
  PrintPlan(plan, &*r, a.json);
  PrintApplySummary(*r, a.json ? stderr : stdout);
  (void)(*rec)->Finish(
      r->interrupted ? catalog::OperationStatus::kInterrupted
                     : catalog::OperationStatus::kCompleted,
      r->failed ? Plural(r->failed, "action") + " failed" : "");
  if (r->interrupted) return kExitInterrupted;
  return r->failed > 0 ? kExitError : kExitOk;
}

// Opens the journal and, when it holds an interrupted run or this run
// acts, takes the locks and settles the journal first.
std::expected<std::unique_ptr<dedup::ActionJournal>, Failure> PrepareJournal(
    Context& ctx, catalog::Catalog& cat, const DupesArgs& a,
    dedup::FileOps& ops, std::vector<std::unique_ptr<os::FileLock>>& locks) {
  auto journal = dedup::ActionJournal::Open(
      ctx.fs(), ctx.catalog_path() + ".dupes-journal");
  if (!journal) {
    return std::unexpected(Failure{kExitError, journal.error().ToString()});
  }
  if ((*journal)->empty() && !a.apply) return std::move(*journal);
  auto l = LockAll(ctx, cat);
  if (!l) return std::unexpected(l.error());
  locks = std::move(*l);
  if (!(*journal)->empty()) {
    auto settled = SettleJournal(ctx, cat, **journal, ops);
    if (!settled) return std::unexpected(settled.error());
  }
  return std::move(*journal);
}

// The scopes to look in (each PATH in a root), after checking that a
// --keep root:NAME names a root.
std::expected<dedup::DuplicateOptions, Failure> ResolveScopes(
    Context& ctx, catalog::Catalog& cat,
    const std::vector<catalog::Root>& roots, const DupesArgs& a,
    const dedup::ActionOptions& options) {
  if (options.keep.kind == dedup::KeepRule::Kind::kRoot &&
      std::none_of(roots.begin(), roots.end(),
                   [&](const auto& r) { return r.name == options.keep.arg; })) {
    return std::unexpected(Failure{
        kExitUsage, "--keep: no root named '" + options.keep.arg + "'"});
  }
  dedup::DuplicateOptions scopes;
  for (const std::string& p : a.paths) {
    auto abs = ctx.fs().RealPath(p);
    // A path in no root would silently find nothing: say so.
    auto q = abs ? QueryForPath(ctx, cat, *abs) : std::unexpected(abs.error());
    if (!q) return std::unexpected(Failure{kExitError, q.error().ToString()});
    scopes.scopes.push_back(*abs);
  }
  return scopes;
}

void PrintReport(const dedup::DuplicateReport& report, const DupesArgs& a) {
  PrintGroups(report, a);
  std::fprintf(a.json || a.csv ? stderr : stdout,
               "%s duplicate groups, %s wasted; %s files read\n",
               util::GroupThousands(report.groups.size()).c_str(),
               util::HumanBytes(static_cast<uint64_t>(report.wasted)).c_str(),
               util::GroupThousands(report.files_read).c_str());
}

int RunDupes(Context& ctx, DupesArgs a) {
  auto options = ParseActionArgs(ctx, a);
  if (!options) return Fail(options.error());
  auto cat = ctx.OpenCatalog(CatalogUse::kWrite);
  if (!cat) return Fail(cat.error());
  auto roots = (*cat)->ListRoots();
  if (!roots) return Fail(roots.error());
  if (options->kind == ActionKind::kMoveTo) {
    if (Status st =
            dedup::CheckMoveToFolder(ctx.fs(), options->move_to, *roots);
        !st) {
      return Fail(Failure{kExitUsage, st.error().ToString()});
    }
  }
  auto scopes = ResolveScopes(ctx, **cat, *roots, a, *options);
  if (!scopes) return Fail(scopes.error());
  auto ops = dedup::NewFileOps(ctx.fs());
  std::vector<std::unique_ptr<os::FileLock>> locks;
  auto journal = PrepareJournal(ctx, **cat, a, *ops, locks);
  if (!journal) return Fail(journal.error());

  auto report =
      dedup::FindExactDuplicates(**cat, MediaHashers(ctx.fs()), *scopes);
  if (!report) return Fail(report.error());
  for (const std::string& e : report->errors) {
    std::fprintf(stderr, "phodex: could not read: %s\n",
                 util::EscapeControls(e).c_str());
  }
  if (options->kind == ActionKind::kReport) {
    PrintReport(*report, a);
    return kExitOk;
  }
  const dedup::ActionPlan plan = dedup::PlanActions(*report, *roots, *options);
  if (a.apply && options->kind == ActionKind::kMoveTo && plan.actions > 0) {
    // A folder that cannot be made fails the run, not each copy.
    if (Status st = ctx.fs().MakeDirs(options->move_to); !st) {
      return Fail(Failure{kExitError, "cannot create the move-to folder '" +
                                          options->move_to +
                                          "': " + st.error().ToString()});
    }
  }
  if (a.apply) return ApplyAndPrint(ctx, **cat, a, plan, **journal, *ops);
  PrintPlan(plan, nullptr, a.json);
  PrintDryRunSummary(plan, options->kind, a.json ? stderr : stdout);
  return kExitOk;
}

}  // namespace

RunFn SetupDupes(CLI::App& sub) {
  auto a = std::make_shared<DupesArgs>();
  sub.add_option("paths", a->paths,
                 "Only files at or below these paths (default: all roots)");
  auto* json = sub.add_flag("--json", a->json,
                            "One JSON object per group, or per path with "
                            "--action (docs/cli.md)");
  sub.add_flag("--csv", a->csv, "CSV, one row per file")->excludes(json);
  sub.add_option("--action", a->action,
                 "report (default), hardlink, move-to DIR or delete; a dry "
                 "run unless --apply")
      ->expected(1, 2)
      ->allow_extra_args(false);
  sub.add_option("--keep", a->keep,
                 "Which copy stays: oldest (default), newest, shortest-path, "
                 "root:NAME, path-glob:GLOB");
  sub.add_flag("--apply", a->apply,
               "Carry out the --action (default: print the plan only)");
  return [a](Context& ctx) { return RunDupes(ctx, *a); };
}

}  // namespace phodex::app
