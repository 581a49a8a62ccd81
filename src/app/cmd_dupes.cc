// phodex dupes [PATH...] [--json|--csv]
//              [--action report|hardlink|move-to DIR|delete]
//              [--keep RULE] [--apply]

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>

#include "app/commands.h"
#include "app/exit_status.h"
#include "library/dupes.h"
#include "library/group_output.h"
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

// --action, --keep and --apply, checked against each other, as a request.
std::expected<library::DupesRequest, Failure> ParseRequest(Context& ctx,
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
    auto dir = library::AbsoluteFolder(ctx.fs(), words.front());
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
  library::DupesRequest request;
  request.paths = a.paths;
  request.action = std::move(o);
  request.apply = a.apply ? library::DupesRequest::Apply::kYes
                          : library::DupesRequest::Apply::kNo;
  return request;
}

// What the run meets before its report, on stderr.
class DupesPrinter final : public library::DupesSink {
 public:
  void JournalSettled(const dedup::RecoveredAction& r) override {
    std::fprintf(stderr,
                 "phodex: journal of an interrupted run: %s %s: %s (%s)\n",
                 dedup::ActionKindName(r.intent.action),
                 util::EscapeForTerminal(r.intent.victim).c_str(),
                 dedup::JournalStateName(r.state),
                 util::EscapeControls(r.detail).c_str());
  }
  void Unreadable(const std::string& e) override {
    std::fprintf(stderr, "phodex: could not read: %s\n",
                 util::EscapeControls(e).c_str());
  }
};

void PrintGroups(const dedup::DuplicateReport& report, const DupesArgs& a) {
  if (a.csv) std::printf("group,size,hash,path\n");
  int n = 0;
  for (const dedup::DuplicateGroup& g : report.groups) {
    ++n;
    if (a.json) {
      std::printf("%s\n", library::DuplicateGroupToJson(g).dump().c_str());
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
      for (const auto& links : dedup::HardLinkSets(g)) {
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

// The plan, or with `applied` what became of it: one line per path.
void PrintPlan(const dedup::ActionPlan& plan, const dedup::ApplyReport* applied,
               bool json) {
  size_t last_group = SIZE_MAX;
  for (const dedup::PathStatus& p : dedup::DescribePaths(plan, applied)) {
    const dedup::PlannedGroup& g = plan.groups[p.group];
    if (json) {
      std::printf("%s\n", library::PlannedPathToJson(g, p).dump().c_str());
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

void PrintReport(const dedup::DuplicateReport& report, const DupesArgs& a) {
  PrintGroups(report, a);
  std::fprintf(a.json || a.csv ? stderr : stdout,
               "%s duplicate groups, %s wasted; %s files read\n",
               util::GroupThousands(report.groups.size()).c_str(),
               util::HumanBytes(static_cast<uint64_t>(report.wasted)).c_str(),
               util::GroupThousands(report.files_read).c_str());
}

int RunDupes(Context& ctx, DupesArgs a) {
  auto request = ParseRequest(ctx, a);
  if (!request) return Fail(request.error());
  auto lib = ctx.OpenLibrary(CatalogUse::kWrite);
  if (!lib) return Fail(Failure{kExitError, lib.error().ToString()});
  DupesPrinter printer;
  auto planned = library::DupesPlan(**lib, *request, printer, {});
  if (!planned) {
    // A request the library refuses (a keep rule naming no root, a
    // move-to folder inside the roots) is a usage error of this command.
    const Error& e = planned.error();
    return Fail(Failure{e.code() == ErrorCode::kInvalidArgument
                            ? kExitUsage
                            : ExitStatusFor(e),
                        e.ToString()});
  }
  const ActionKind kind = request->action.kind;
  if (kind == ActionKind::kReport) {
    PrintReport(planned->report, a);
    return kExitOk;
  }
  if (!a.apply) {
    PrintPlan(planned->plan, nullptr, a.json);
    PrintDryRunSummary(planned->plan, kind, a.json ? stderr : stdout);
    return kExitOk;
  }
  auto r = library::DupesApply(
      **lib, *planned, jobs::CancelToken(os::InstallInterruptHandler()));
  if (!r) return Fail(Failure{ExitStatusFor(r.error()), r.error().ToString()});
  PrintPlan(planned->plan, &*r, a.json);
  PrintApplySummary(*r, a.json ? stderr : stdout);
  if (r->interrupted) return kExitInterrupted;
  return r->failed > 0 ? kExitError : kExitOk;
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
