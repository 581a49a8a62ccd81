#include "library/service_status.h"

#include <cstdio>
#include <ctime>

#include "library/file_locks.h"
#include "util/text.h"
#include "util/time_format.h"

namespace phodex::library {
namespace {

using Json = nlohmann::ordered_json;

// The file is small: anything bigger is not ours.
constexpr int64_t kMaxStatusBytes = int64_t{16} << 20;

double Seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

Json TimeOrNull(const std::optional<int64_t>& ns) {
  return ns ? Json(util::Rfc3339Utc(*ns)) : Json(nullptr);
}

// "2024-05-01T12:34:56.123456789Z" (what Rfc3339Utc writes for years
// 0000..9999) back to Unix ns; nullopt for anything else.
std::optional<int64_t> ParseRfc3339Utc(const std::string& s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi,
                  &sec, &used) != 6 ||
      used != 19) {
    return std::nullopt;
  }
  int64_t frac_ns = 0;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    int64_t scale = 100'000'000;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      frac_ns += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i + 1 != s.size() || s[i] != 'Z') return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<int64_t>(::timegm(&tm)) * 1'000'000'000 + frac_ns;
}

// Typed reads of the JSON; each failure says which field.
class FieldReader {
 public:
  explicit FieldReader(std::string& error) : error_(error) {}

  template <typename T>
  void Get(const Json& obj, const char* key, T& out) {
    const auto it = obj.find(key);
    if (it == obj.end()) return Fail(key);
    if constexpr (std::is_same_v<T, bool>) {
      if (!it->is_boolean()) return Fail(key);
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!it->is_string()) return Fail(key);
    } else {
      if (!it->is_number()) return Fail(key);
    }
    out = it->get<T>();
  }
  void Time(const Json& obj, const char* key, int64_t& out) {
    std::optional<int64_t> t;
    OptionalTime(obj, key, t);
    if (!t && error_.empty()) return Fail(key);
    out = t.value_or(0);
  }
  void OptionalTime(const Json& obj, const char* key,
                    std::optional<int64_t>& out) {
    const auto it = obj.find(key);
    if (it == obj.end()) return Fail(key);
    if (it->is_null()) return;
    if (!it->is_string()) return Fail(key);
    out = ParseRfc3339Utc(it->get<std::string>());
    if (!out) Fail(key);
  }
  void Fail(const char* key) {
    if (error_.empty()) error_ = std::string("field ") + key;
  }

 private:
  std::string& error_;
};

std::optional<watch::WatchMethod> ParseMethod(const std::string& name) {
  for (watch::WatchMethod m :
       {watch::WatchMethod::kInotify, watch::WatchMethod::kPolling,
        watch::WatchMethod::kOffline}) {
    if (name == watch::WatchMethodName(m)) return m;
  }
  return std::nullopt;
}

Json RootToJson(const RootServiceState& r) {
  return Json{
      {"id", r.root.value},
      {"path", util::EscapeBytes(r.path)},
      {"method", watch::WatchMethodName(r.method)},
      {"folders", r.folders},
      {"reason", r.reason.empty() ? Json(nullptr)
                                  : Json(util::EscapeBytes(r.reason))},
      {"last_reconcile", TimeOrNull(r.last_reconcile_ns)},
      {"next_reconcile", TimeOrNull(r.next_reconcile_ns)},
      {"reconciling", r.reconciling},
  };
}

RootServiceState RootFromJson(const Json& j, FieldReader& f) {
  RootServiceState r;
  f.Get(j, "id", r.root.value);
  f.Get(j, "path", r.path);
  std::string method;
  f.Get(j, "method", method);
  if (auto m = ParseMethod(method)) {
    r.method = *m;
  } else {
    f.Fail("method");
  }
  f.Get(j, "folders", r.folders);
  if (const auto it = j.find("reason"); it != j.end() && it->is_string()) {
    r.reason = it->get<std::string>();
  }
  f.OptionalTime(j, "last_reconcile", r.last_reconcile_ns);
  f.OptionalTime(j, "next_reconcile", r.next_reconcile_ns);
  f.Get(j, "reconciling", r.reconciling);
  return r;
}

// The settings' numbers, by JSON key (both ways).
constexpr std::pair<const char*, double ServiceSettings::*> kSettingFields[] = {
    {"delay_s", &ServiceSettings::delay_s},
    {"delete_hold_s", &ServiceSettings::delete_hold_s},
    {"settle_s", &ServiceSettings::settle_s},
    {"reconcile_interval_s", &ServiceSettings::reconcile_interval_s},
    {"polled_interval_s", &ServiceSettings::polled_interval_s},
    {"poll_interval_s", &ServiceSettings::poll_interval_s},
};

Json SettingsToJson(const ServiceSettings& s) {
  Json j = Json::object();
  for (const auto& [key, field] : kSettingFields) j[key] = s.*field;
  j["thumbs"] = s.thumbs;
  return j;
}

ServiceSettings SettingsFromJson(const Json& j, FieldReader& f) {
  ServiceSettings s;
  for (const auto& [key, field] : kSettingFields) f.Get(j, key, s.*field);
  f.Get(j, "thumbs", s.thumbs);
  return s;
}

}  // namespace

ServiceSettings SettingsOf(const ServiceOptions& o) {
  ServiceSettings s;
  s.delay_s = Seconds(o.aggregation.delay);
  s.delete_hold_s = Seconds(o.aggregation.delete_hold);
  s.settle_s = Seconds(o.settle.settle);
  s.reconcile_interval_s = Seconds(o.schedule.local_interval);
  s.polled_interval_s = Seconds(o.schedule.polled_interval);
  s.poll_interval_s = Seconds(o.poll_interval);
  s.thumbs = o.thumbs;
  return s;
}

nlohmann::ordered_json ServiceStatusToJson(const ServiceStatusFile& file) {
  const ServiceStatus& s = file.status;
  Json roots = Json::array();
  for (const RootServiceState& r : s.roots) roots.push_back(RootToJson(r));
  Json queue = Json::array();
  for (const catalog::JobCount& c : s.queue) {
    queue.push_back({{"kind", c.kind},
                     {"state", std::string(catalog::JobStateName(c.state))},
                     {"count", c.count}});
  }
  return Json{
      {"pid", s.pid},
      {"started", util::Rfc3339Utc(s.started_ns)},
      {"updated", util::Rfc3339Utc(s.updated_ns)},
      {"listen", file.listen},
      {"http", file.http},
      {"roots", std::move(roots)},
      {"pending_folders", s.pending_folders},
      {"settling_files", s.settling_files},
      {"queue", std::move(queue)},
      {"settings", SettingsToJson(file.settings)},
  };
}

Result<ServiceStatusFile> ServiceStatusFromJson(const Json& j) {
  std::string error;
  FieldReader f(error);
  ServiceStatusFile out;
  ServiceStatus& s = out.status;
  if (!j.is_object()) f.Fail("(top)");
  if (error.empty()) {
    f.Get(j, "pid", s.pid);
    f.Time(j, "started", s.started_ns);
    f.Time(j, "updated", s.updated_ns);
    f.Get(j, "listen", out.listen);
    f.Get(j, "http", out.http);
    f.Get(j, "pending_folders", s.pending_folders);
    f.Get(j, "settling_files", s.settling_files);
  }
  const auto roots = j.is_object() ? j.find("roots") : j.end();
  if (error.empty() && (roots == j.end() || !roots->is_array())) {
    f.Fail("roots");
  }
  for (size_t i = 0; error.empty() && i < roots->size(); ++i) {
    if (!(*roots)[i].is_object()) f.Fail("roots");
    if (error.empty()) s.roots.push_back(RootFromJson((*roots)[i], f));
  }
  const auto queue = j.is_object() ? j.find("queue") : j.end();
  if (error.empty() && (queue == j.end() || !queue->is_array())) {
    f.Fail("queue");
  }
  for (size_t i = 0; error.empty() && i < queue->size(); ++i) {
    const Json& row = (*queue)[i];
    catalog::JobCount c;
    std::string state;
    if (!row.is_object()) f.Fail("queue");
    if (!error.empty()) break;
    f.Get(row, "kind", c.kind);
    f.Get(row, "state", state);
    f.Get(row, "count", c.count);
    if (auto st = catalog::ParseJobState(state)) {
      c.state = *st;
    } else {
      f.Fail("queue state");
    }
    s.queue.push_back(std::move(c));
  }
  const auto settings = j.is_object() ? j.find("settings") : j.end();
  if (error.empty() && (settings == j.end() || !settings->is_object())) {
    f.Fail("settings");
  }
  if (error.empty()) out.settings = SettingsFromJson(*settings, f);
  if (!error.empty()) {
    return MakeError(ErrorCode::kCorrupt,
                     "not a phodex service status (" + error + ")");
  }
  return out;
}

Status WriteServiceStatus(os::FileSystem& fs, const std::string& path,
                          const ServiceStatusFile& file) {
  return fs.WriteCacheFile(path, ServiceStatusToJson(file).dump(2) + "\n");
}

Result<ServiceStatusFile> ReadServiceStatus(os::FileSystem& fs,
                                            const std::string& path) {
  PHODEX_ASSIGN_OR_RETURN(
      auto in, fs.OpenForRead(path, os::AccessPattern::kSequential));
  if (in->size() > kMaxStatusBytes) {
    return MakeError(ErrorCode::kCorrupt, "too big for a service status",
                     "read", path);
  }
  std::string text(static_cast<size_t>(in->size()), '\0');
  PHODEX_ASSIGN_OR_RETURN(const size_t got,
                          in->ReadAt(0, text.data(), text.size()));
  text.resize(got);
  const Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return MakeError(ErrorCode::kCorrupt, "not JSON", "read", path);
  }
  auto file = ServiceStatusFromJson(j);
  if (!file) {
    return MakeError(ErrorCode::kCorrupt, file.error().message(), "read", path);
  }
  return file;
}

RunningService RunningServiceFromJson(const Json& json) {
  RunningService out;
  auto file = ServiceStatusFromJson(json);
  if (file) {
    out.file = std::move(*file);
    out.fresh = true;
  } else {
    out.why = file.error().message();
  }
  return out;
}

std::optional<RunningService> FindRunningService(os::FileSystem& fs,
                                                 const DataFolder& data,
                                                 int64_t now_unix_ns) {
  if (!ServiceLockHeld(data)) return std::nullopt;
  RunningService out;
  auto file = ReadServiceStatus(fs, data.ServiceStatusPath());
  if (!file) {
    // Missing: the service is starting (it writes its first status once
    // its roots are registered).
    if (file.error().code() != ErrorCode::kNotFound) {
      out.why = file.error().ToString();
    }
    return out;
  }
  const int64_t age_ns = now_unix_ns - file->status.updated_ns;
  out.fresh = age_ns <= std::chrono::nanoseconds(kServiceStatusStaleAfter).count();
  out.file = std::move(*file);
  return out;
}

}  // namespace phodex::library
