// phodex jobs [--json] [--kind K] [--limit N] [--after ID]
// phodex jobs retry [--kind K] [--id N ...]
// phodex jobs cancel [--kind K] [--id N ...]
// phodex jobs pause [KIND ...] / phodex jobs resume [KIND ...]

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "app/commands.h"
#include "library/job_output.h"
#include "library/jobs.h"
#include "util/text.h"

namespace phodex::app {
namespace {

using catalog::JobState;

struct JobsArgs {
  bool json = false;
  std::string kind;
  int64_t limit = 20;
  int64_t after = 0;
  std::vector<int64_t> ids;
  std::vector<std::string> kinds;  // pause, resume
};

library::JobSelection SelectionOf(const JobsArgs& a) {
  library::JobSelection sel;
  if (!a.kind.empty()) sel.kind = a.kind;
  for (int64_t id : a.ids) sel.ids.push_back(catalog::JobId{id});
  return sel;
}

int Fail(const Error& e) {
  PrintError(e.ToString());
  return e.code() == ErrorCode::kInvalidArgument ? kExitUsage
                                                 : ExitStatusFor(e);
}

void PrintSummary(const library::JobsSummary& s) {
  if (s.kinds.empty()) {
    std::printf("no jobs\n");
    return;
  }
  std::vector<std::string> names;
  int width = 4;
  for (const library::KindSummary& k : s.kinds) {
    names.push_back(util::EscapeForTerminal(k.kind) +
                    (k.paused ? " (paused)" : ""));
    width = std::max(width, static_cast<int>(names.back().size()));
  }
  std::printf("%-*s %10s %8s %10s %10s %8s %10s\n", width, "kind",
              "available", "running", "retryable", "completed", "failed",
              "cancelled");
  for (size_t i = 0; i < s.kinds.size(); ++i) {
    const library::KindSummary& k = s.kinds[i];
    auto n = [&k](JobState state) {
      return util::GroupThousands(k.Count(state));
    };
    std::printf("%-*s %10s %8s %10s %10s %8s %10s\n", width,
                names[i].c_str(), n(JobState::kAvailable).c_str(),
                n(JobState::kRunning).c_str(), n(JobState::kRetryable).c_str(),
                n(JobState::kCompleted).c_str(), n(JobState::kFailed).c_str(),
                n(JobState::kCancelled).c_str());
  }
  if (!s.failed.empty()) std::printf("\nfailed:\n");
  for (const catalog::Job& j : s.failed) {
    std::printf("#%-6lld %s (%d of %d attempts): %s\n",
                static_cast<long long>(j.id.value),
                util::EscapeForTerminal(j.kind).c_str(), j.attempts,
                j.max_attempts,
                util::EscapeControls(j.last_error, util::Newline::kEscape)
                    .c_str());
  }
  if (s.next) {
    std::printf("more: phodex jobs --after %lld\n",
                static_cast<long long>(s.next->value));
  }
}

int RunSummary(library::Library& lib, const JobsArgs& a) {
  library::JobsSummaryRequest req;
  req.failed_limit = a.limit;
  if (a.after > 0) req.failed_after = catalog::JobId{a.after};
  if (!a.kind.empty()) req.kind = a.kind;
  auto s = library::GetJobsSummary(lib, req);
  if (!s) return Fail(s.error());
  if (a.json) {
    std::printf("%s\n", library::JobsSummaryToJson(*s).dump().c_str());
  } else {
    PrintSummary(*s);
  }
  return kExitOk;
}

enum class Change { kRetry, kCancel };

int RunChange(library::Library& lib, const JobsArgs& a, Change change) {
  const bool retry = change == Change::kRetry;
  auto n = retry ? library::RetryJobs(lib, SelectionOf(a))
                 : library::CancelJobs(lib, SelectionOf(a));
  if (!n) return Fail(n.error());
  std::printf("%s %s job%s\n", retry ? "retrying" : "cancelled",
              util::GroupThousands(*n).c_str(), *n == 1 ? "" : "s");
  return kExitOk;
}

int RunPause(library::Library& lib, const JobsArgs& a,
             catalog::JobQueue::Pause pause) {
  auto kinds = library::SetJobKindsPaused(lib, a.kinds, pause);
  if (!kinds) return Fail(kinds.error());
  std::string list;
  for (const std::string& k : *kinds) {
    list += (list.empty() ? "" : ", ") + util::EscapeForTerminal(k);
  }
  std::printf("%s: %s\n",
              pause == catalog::JobQueue::Pause::kPaused ? "paused" : "resumed",
              list.c_str());
  return kExitOk;
}

void AddSelection(CLI::App& cmd, JobsArgs& a) {
  cmd.add_option("--kind", a.kind, "Only jobs of this kind");
  cmd.add_option("--id", a.ids, "Only these jobs (repeatable)")
      ->check(AtLeast(1));
}

}  // namespace

RunFn SetupJobs(CLI::App& sub) {
  auto a = std::make_shared<JobsArgs>();
  sub.require_subcommand(0, 1);
  sub.add_flag("--json", a->json, "One JSON object (docs/cli.md)");
  sub.add_option("--kind", a->kind, "Only this kind's failed jobs");
  sub.add_option("--limit", a->limit, "Failed jobs shown (default 20)")
      ->check(AtLeast(0));
  sub.add_option("--after", a->after, "Failed jobs after this id (paging)")
      ->check(AtLeast(1));
  CLI::App* retry = sub.add_subcommand(
      "retry", "Queue failed or cancelled jobs again (all without options)");
  AddSelection(*retry, *a);
  CLI::App* cancel =
      sub.add_subcommand("cancel", "Cancel waiting jobs (running ones finish)");
  AddSelection(*cancel, *a);
  CLI::App* pause = sub.add_subcommand(
      "pause", "Stop claiming jobs of these kinds (all without kinds)");
  pause->add_option("kinds", a->kinds, "Kinds to pause");
  CLI::App* resume =
      sub.add_subcommand("resume", "Claim jobs of these kinds again");
  resume->add_option("kinds", a->kinds, "Kinds to resume");
  return [=](Context& ctx) {
    const bool reads = !retry->parsed() && !cancel->parsed() &&
                       !pause->parsed() && !resume->parsed();
    auto lib = ctx.OpenLibrary(reads ? CatalogUse::kRead : CatalogUse::kWrite);
    if (!lib) return PrintError(lib.error().ToString()), ExitStatusFor(lib.error());
    if (retry->parsed()) return RunChange(**lib, *a, Change::kRetry);
    if (cancel->parsed()) return RunChange(**lib, *a, Change::kCancel);
    if (pause->parsed()) {
      return RunPause(**lib, *a, catalog::JobQueue::Pause::kPaused);
    }
    if (resume->parsed()) {
      return RunPause(**lib, *a, catalog::JobQueue::Pause::kResumed);
    }
    return RunSummary(**lib, *a);
  };
}

}  // namespace phodex::app
