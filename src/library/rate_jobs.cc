#include "library/rate_jobs.h"

#include <algorithm>
#include <limits>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "jobs/retry_backoff.h"
#include "library/rate.h"
#include "os/process.h"

namespace phodex::library {
namespace {

using Json = nlohmann::json;
using Target = scan::RatingRequest::Target;

// Claims of the runner on this thread: what `phodex jobs` shows while one
// runs.
constexpr int kClaimBatch = 64;
constexpr std::chrono::minutes kInlineLease{1};
// A passing failure run here is tried again by the next runner after this.
constexpr std::chrono::seconds kInlineRetry{5};
// The payload's own key besides the change's: whether the catalog linked a
// sidecar to the file when the job was queued.
constexpr char kHadSidecar[] = "had_sidecar";

std::unexpected<Error> Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

// A positive id that fits an int64.
std::optional<FileId> IdOf(const Json& j) {
  if (j.is_number_unsigned()) {
    const auto v = j.get<uint64_t>();
    if (v == 0 || v > uint64_t{std::numeric_limits<int64_t>::max()}) {
      return std::nullopt;
    }
    return FileId{static_cast<int64_t>(v)};
  }
  if (j.is_number_integer() && j.get<int64_t>() > 0) {
    return FileId{j.get<int64_t>()};
  }
  return std::nullopt;
}

// Reads the change's keys of `j` into `edit`; `key` is one of them.
Status ReadEditKey(const std::string& key, const Json& v, RatingEdit& edit) {
  if (key == "rating") {
    if (!v.is_number_integer() || v.get<int64_t>() < media::kRejected ||
        v.get<int64_t>() > media::kMaxRating) {
      return Invalid("rating must be an integer from -1 (rejected) to 5");
    }
    edit.stars = static_cast<int>(v.get<int64_t>());
  } else if (key == "favorite") {
    if (!v.is_boolean()) return Invalid("favorite must be true or false");
    edit.favorite = v.get<bool>();
  } else if (key == "label") {
    if (v.is_null()) {
      edit.label = "";
    } else if (v.is_string() && media::IsColorLabel(v.get<std::string>())) {
      edit.label = v.get<std::string>();
    } else {
      return Invalid(
          "label must be \"Red\", \"Yellow\", \"Green\", \"Blue\", "
          "\"Purple\" or null");
    }
  } else if (key == "pick") {
    if (v.is_null()) {
      edit.pick = media::Pick::kNone;
    } else if (v.is_boolean()) {
      edit.pick = v.get<bool>() ? media::Pick::kAccepted : media::Pick::kRejected;
    } else {
      return Invalid("pick must be true (picked), false (rejected) or null");
    }
  } else if (key == "write") {
    if (v == "sidecar") {
      edit.target = Target::kSidecar;
    } else if (v == "file") {
      edit.target = Target::kEmbed;
    } else {
      return Invalid("write must be \"sidecar\" or \"file\"");
    }
  } else {
    return Invalid("unknown key \"" + key + "\"");
  }
  return {};
}

// A change must set something and must not say two things at once.
Status CheckEdit(const RatingEdit& e) {
  if (!e.stars && !e.favorite && !e.label && !e.pick) {
    return Invalid(
        "nothing to change: give rating, label, pick or favorite");
  }
  if (e.stars && e.favorite) return Invalid("rating and favorite both given");
  const bool rejected = e.pick == media::Pick::kRejected;
  if (rejected && (e.favorite || (e.stars && *e.stars != media::kRejected))) {
    return Invalid("pick false rejects the file (rating -1): no other rating");
  }
  if (e.pick == media::Pick::kAccepted && e.stars == media::kRejected) {
    return Invalid("pick true and rating -1 (rejected) both given");
  }
  return {};
}

// The change to write to a file whose rating is now `current`.
media::RatingChange ResolveEdit(const Config& config, const RatingEdit& e,
                                std::optional<int> current) {
  media::RatingChange c;
  c.label = e.label;
  c.pick = e.pick;
  if (e.stars) {
    c.rating = e.stars;
  } else if (e.favorite) {
    c.rating = *e.favorite ? config.favorite_rating : config.unfavorite_rating;
  } else if (e.pick == media::Pick::kRejected) {
    c.rating = media::kRejected;
  } else if (e.pick && current == media::kRejected) {
    c.rating = 0;  // no longer rejected
  }
  return c;
}

// An error no retry mends: fails the job at once (jobs/retry_backoff.h).
Error Permanent(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kBusy:
    case ErrorCode::kTimedOut:
    case ErrorCode::kInternal:
    case ErrorCode::kIo:
    case ErrorCode::kCancelled:
    case ErrorCode::kContentFault:
    case ErrorCode::kUnsupported:
      return e;
    default:
      return Error(ErrorCode::kUnsupported, e.message(), e.op(), e.path());
  }
}

// Why a row cannot be rated, or "".
std::string NotRatable(const std::optional<catalog::FileRow>& row) {
  if (!row) return "not a file in the catalog";
  if (!row->present) return "removed from the catalog (gone since a scan)";
  if (row->kind == MediaKind::kOther || row->kind == MediaKind::kSidecar) {
    return "not a photo, RAW or video";
  }
  return "";
}

std::string JobOwner() {
  return os::HostName() + ":" + std::to_string(os::CurrentPid()) + "/" +
         kRateJob;
}

// Where the file of `job` stands now.
Result<RateFileOutcome> OutcomeOf(catalog::Catalog& catalog,
                                  const catalog::Job& job) {
  RateFileOutcome out;
  out.file = job.file.value_or(FileId{0});
  out.job = job.id;
  switch (job.state) {
    case catalog::JobState::kCompleted:
      out.state = RateFileOutcome::State::kDone;
      break;
    case catalog::JobState::kFailed:
    case catalog::JobState::kCancelled:
      out.state = RateFileOutcome::State::kFailed;
      out.error = job.state == catalog::JobState::kCancelled ? "cancelled"
                                                             : job.last_error;
      return out;
    default:
      out.error = job.last_error;
      return out;
  }
  const Json payload = Json::parse(job.payload, nullptr, false);
  auto edit = RatingEditFromJson(job.payload);
  if (!edit || !job.file) return out;
  PHODEX_ASSIGN_OR_RETURN(std::optional<catalog::FileRow> row,
                          catalog.GetFile(*job.file));
  if (!row) return out;
  out.pick = edit->pick;
  if (row->metadata) {
    out.rating = row->metadata->rating;
    out.label = row->metadata->label;
  }
  if (edit->target == Target::kEmbed) {
    out.written = os::JoinPath(row->root_path, row->rel);
  } else if (row->sidecar_rel) {
    out.written = os::JoinPath(row->root_path, *row->sidecar_rel);
    out.sidecar_created = payload.is_object() &&
                          payload.value(kHadSidecar, true) == false;
  }
  return out;
}

bool Finished(catalog::JobState s) {
  return s == catalog::JobState::kCompleted ||
         s == catalog::JobState::kFailed ||
         s == catalog::JobState::kCancelled;
}

// Looks at `jobs` until each is finished or `deadline` passes; returns
// them as last seen. Real time: a person waits (and the runner's thread
// works by it), whatever the library's clock.
Result<std::vector<catalog::Job>> AwaitJobs(
    Library& lib, std::vector<catalog::JobId> ids,
    const RateFilesOptions& options,
    std::chrono::steady_clock::time_point deadline) {
  std::vector<catalog::Job> seen;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Job> jobs,
                            lib.catalog().ListJobs({.ids = ids}));
    std::vector<catalog::JobId> waiting;
    for (catalog::Job& job : jobs) {
      if (!Finished(job.state)) waiting.push_back(job.id);
      seen.push_back(std::move(job));
    }
    if (waiting.empty() || std::chrono::steady_clock::now() >= deadline) {
      break;
    }
    std::erase_if(seen, [](const catalog::Job& j) { return !Finished(j.state); });
    ids = std::move(waiting);
    std::this_thread::sleep_for(options.poll);
  }
  return seen;
}

// A version no other request's job of the same file has: the key is
// (kind, file, version), and a person may rate a file twice in one state.
int64_t FreshVersion() {
  thread_local std::random_device device;
  const uint64_t bits = (uint64_t{device()} << 32) | uint64_t{device()};
  return static_cast<int64_t>(bits >> 2) | 1;
}

}  // namespace

Result<RateFilesRequest> ParseRateFilesRequest(std::string_view body) {
  const Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Invalid("the body must be a JSON object");
  }
  RateFilesRequest out;
  std::set<int64_t> seen;
  auto add = [&](const Json& v) -> Status {
    const std::optional<FileId> id = IdOf(v);
    if (!id) return Invalid("a file id must be a positive integer");
    if (seen.insert(id->value).second) out.ids.push_back(*id);
    return {};
  };
  if (j.contains("query")) {
    return Invalid("a query target is not supported yet; give ids");
  }
  if (j.contains("id") == j.contains("ids")) {
    return Invalid("give either id or ids");
  }
  for (const auto& [key, v] : j.items()) {
    if (key == "id") {
      PHODEX_TRY(add(v));
    } else if (key == "ids") {
      if (!v.is_array() || v.empty()) {
        return Invalid("ids must be a non-empty array of file ids");
      }
      if (v.size() > kMaxRateFiles) {
        return Invalid("at most " + std::to_string(kMaxRateFiles) +
                       " ids in one request");
      }
      for (const Json& id : v) PHODEX_TRY(add(id));
    } else {
      PHODEX_TRY(ReadEditKey(key, v, out.edit));
    }
  }
  PHODEX_TRY(CheckEdit(out.edit));
  return out;
}

std::string RatingEditToJson(const RatingEdit& e) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (e.stars) j["rating"] = *e.stars;
  if (e.favorite) j["favorite"] = *e.favorite;
  if (e.label) {
    j["label"] = e.label->empty() ? nlohmann::ordered_json()
                                  : nlohmann::ordered_json(*e.label);
  }
  if (e.pick) {
    j["pick"] = *e.pick == media::Pick::kNone ? nlohmann::ordered_json()
                : nlohmann::ordered_json(*e.pick == media::Pick::kAccepted);
  }
  j["write"] = e.target == Target::kEmbed ? "file" : "sidecar";
  return j.dump();
}

Result<RatingEdit> RatingEditFromJson(std::string_view payload) {
  const Json j = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Invalid("a rate job's payload must be a JSON object");
  }
  RatingEdit edit;
  for (const auto& [key, v] : j.items()) {
    if (key == kHadSidecar) continue;
    PHODEX_TRY(ReadEditKey(key, v, edit));
  }
  PHODEX_TRY(CheckEdit(edit));
  return edit;
}

Status RunRateJob(catalog::Catalog& catalog, Library& lib,
                  media::MetadataReader& reader, const catalog::Job& job) {
  auto edit = RatingEditFromJson(job.payload);
  if (!edit) return std::unexpected(Permanent(edit.error()));
  if (!job.file) {
    return MakeError(ErrorCode::kUnsupported, "a rate job without a file");
  }
  PHODEX_ASSIGN_OR_RETURN(std::optional<catalog::FileRow> row,
                          catalog.GetFile(*job.file));
  if (const std::string why = NotRatable(row); !why.empty()) {
    return MakeError(ErrorCode::kUnsupported, why, "rate",
                     row ? os::JoinPath(row->root_path, row->rel) : "");
  }
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots,
                          catalog.ListRoots());
  auto root = std::ranges::find(roots, row->root, &catalog::Root::id);
  if (root == roots.end()) {
    return MakeError(ErrorCode::kUnsupported, "its root is gone", "rate");
  }
  // A sidecar is never written beside a photo that is not there (its
  // drive offline, moved or deleted since the last scan).
  const std::string abs = os::JoinPath(row->root_path, row->rel);
  if (auto st = lib.fs().Stat(abs, os::Follow::kNo); !st) {
    return std::unexpected(Permanent(st.error()));
  }
  // Held to the end of the write and its record: a scan of the root waits.
  PHODEX_ASSIGN_OR_RETURN(
      std::unique_ptr<catalog::Lock> lock,
      lib.locks().LockRoot(root->id, catalog::Locks::Wait::kNo));
  scan::RatingRequest request;
  request.change = ResolveEdit(
      lib.config(), *edit,
      row->metadata ? row->metadata->rating : std::optional<int>());
  request.target = edit->target;
  request.sidecar = SidecarOptionsFor(lib.config());
  auto done = scan::RateFile(catalog, lib.fs(), reader, *root, *row, request,
                             OperationId{0}, lib.clock().NowUnixNs());
  if (!done) return std::unexpected(Permanent(done.error()));
  return {};
}

Result<int64_t> RunRateJobsHere(Library& lib, int64_t max_jobs) {
  PHODEX_CHECK(lib.workers().metadata != nullptr);
  std::unique_ptr<media::MetadataReader> reader;
  int64_t ran = 0;
  while (ran < max_jobs) {
    const int64_t now = lib.clock().NowUnixNs();
    PHODEX_ASSIGN_OR_RETURN(
        std::vector<catalog::Job> jobs,
        lib.catalog().ClaimJobs(
            {.kind = kRateJob,
             .max_jobs = static_cast<int>(
                 std::min<int64_t>(kClaimBatch, max_jobs - ran)),
             .owner = JobOwner(),
             .now_ns = now,
             .lease_ns = std::chrono::nanoseconds(kInlineLease).count()}));
    if (jobs.empty()) break;
    if (!reader) {
      Config one_worker = lib.config();
      one_worker.metadata_workers = 1;
      PHODEX_ASSIGN_OR_RETURN(reader, lib.workers().metadata(one_worker));
    }
    std::vector<catalog::JobOutcome> outcomes;
    for (const catalog::Job& job : jobs) {
      const Status st = RunRateJob(lib.catalog(), lib, *reader, job);
      catalog::JobOutcome o{.lease = {job.id, job.lease_token}};
      switch (jobs::ClassifyAttempt(st, jobs::StopRequested::kNo)) {
        case jobs::AttemptEnd::kCompleted: break;
        case jobs::AttemptEnd::kFailed:
          o.kind = catalog::JobOutcome::Kind::kFailed;
          break;
        default:
          o.kind = catalog::JobOutcome::Kind::kRetry;
          o.retry_at_ns = lib.clock().NowUnixNs() +
                          std::chrono::nanoseconds(kInlineRetry).count();
      }
      if (!st) o.error = st.error().ToString();
      outcomes.push_back(std::move(o));
    }
    PHODEX_TRY(lib.catalog().FinishJobs(outcomes, lib.clock().NowUnixNs()));
    ran += std::ssize(jobs);
  }
  return ran;
}

Result<RateFilesResult> RateFiles(Library& lib, const RateFilesRequest& request,
                                  const RateFilesOptions& options) {
  catalog::Catalog& catalog = lib.catalog();
  RateFilesResult result;
  result.files.resize(request.ids.size());
  std::vector<catalog::JobSpec> specs;
  std::vector<size_t> spec_of;  // the index in files of each spec
  const int64_t version = FreshVersion();
  const std::string edit = RatingEditToJson(request.edit);
  for (size_t i = 0; i < request.ids.size(); ++i) {
    RateFileOutcome& out = result.files[i];
    out.file = request.ids[i];
    PHODEX_ASSIGN_OR_RETURN(std::optional<catalog::FileRow> row,
                            catalog.GetFile(out.file));
    if (std::string why = NotRatable(row); !why.empty()) {
      out.state = RateFileOutcome::State::kFailed;
      out.error = std::move(why);
      continue;
    }
    Json payload = Json::parse(edit);
    payload[kHadSidecar] = row->sidecar_rel.has_value();
    specs.push_back({.kind = kRateJob,
                     .priority = catalog::JobPriority::kInteractive,
                     .file = out.file,
                     .version = version,
                     .payload = payload.dump()});
    spec_of.push_back(i);
  }
  const auto deadline = std::chrono::steady_clock::now() + options.wait;
  std::vector<catalog::JobId> ids;
  std::unordered_map<int64_t, size_t> index_of_job;
  if (!specs.empty()) {
    PHODEX_ASSIGN_OR_RETURN(const catalog::EnqueueResult queued,
                            catalog.EnqueueJobs(specs, lib.clock().NowUnixNs()));
    for (size_t k = 0; k < queued.ids.size(); ++k) {
      RateFileOutcome& out = result.files[spec_of[k]];
      if (queued.ids[k].value == 0) {  // a version drawn twice: never seen
        out.state = RateFileOutcome::State::kFailed;
        out.error = "queued twice; try again";
        continue;
      }
      out.job = queued.ids[k];
      ids.push_back(queued.ids[k]);
      index_of_job[queued.ids[k].value] = spec_of[k];
    }
  }
  if (!ids.empty()) {
    if (options.wake) {
      options.wake();
    } else {
      PHODEX_TRY(RunRateJobsHere(lib, std::ssize(ids)));
    }
    PHODEX_ASSIGN_OR_RETURN(const std::vector<catalog::Job> jobs,
                            AwaitJobs(lib, ids, options, deadline));
    for (const catalog::Job& job : jobs) {
      auto it = index_of_job.find(job.id.value);
      if (it == index_of_job.end()) continue;
      PHODEX_ASSIGN_OR_RETURN(result.files[it->second],
                              OutcomeOf(catalog, job));
    }
  }
  result.done = std::ranges::none_of(result.files, [](const RateFileOutcome& f) {
    return f.state == RateFileOutcome::State::kPending;
  });
  return result;
}

Result<std::optional<RateFileOutcome>> RateJobOutcome(Library& lib,
                                                      catalog::JobId id) {
  PHODEX_ASSIGN_OR_RETURN(
      std::vector<catalog::Job> jobs,
      lib.catalog().ListJobs({.kind = std::string(kRateJob),
                              .ids = std::vector<catalog::JobId>{id}}));
  if (jobs.empty()) return std::nullopt;
  PHODEX_ASSIGN_OR_RETURN(RateFileOutcome out,
                          OutcomeOf(lib.catalog(), jobs.front()));
  return out;
}

nlohmann::ordered_json RateFileOutcomeToJson(const RateFileOutcome& o) {
  using OJ = nlohmann::ordered_json;
  OJ j;
  j["id"] = o.file.value;
  j["job"] = o.job ? OJ(o.job->value) : OJ();
  switch (o.state) {
    case RateFileOutcome::State::kDone: j["state"] = "done"; break;
    case RateFileOutcome::State::kFailed: j["state"] = "failed"; break;
    case RateFileOutcome::State::kPending: j["state"] = "pending"; break;
  }
  if (!o.error.empty()) j["error"] = o.error;
  if (o.state != RateFileOutcome::State::kDone) return j;
  j["written"] = o.written;
  j["sidecar_created"] = o.sidecar_created;
  j["rating"] = o.rating ? OJ(*o.rating) : OJ();
  j["label"] = o.label ? OJ(*o.label) : OJ();
  if (o.pick) {
    j["pick"] = *o.pick == media::Pick::kNone ? OJ()
                : OJ(*o.pick == media::Pick::kAccepted);
  }
  return j;
}

}  // namespace phodex::library
