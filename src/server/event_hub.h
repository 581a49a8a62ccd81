#pragma once
// The live events of the API (GET /api/v1/events, text/event-stream): job
// progress, scans and reconciliations, watcher state, file changes. Every
// event gets the next id; the hub keeps the newest kKeep of them, so a
// client that reconnects with Last-Event-ID gets what it missed, or, when
// that is older than what is kept, a "reset" event telling it to reload.
// Publishing never blocks on a slow reader: readers pull from the ring.
// Thread-safe.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace phodex::server {

struct Event {
  int64_t id = 0;
  std::string type;  // "scan", "job", "watch", "file", "reset", ...
  std::string data;  // one line of JSON
};

class EventHub {
 public:
  static constexpr size_t kKeep = 4096;

  // Adds an event (its data serialised once here) and wakes the
  // subscribers. Returns its id.
  int64_t Publish(std::string type, const nlohmann::ordered_json& data);

  // The events after `after`, at most `max`. When `after` is older than
  // the oldest kept (and not 0 for "from now"), the first is a synthetic
  // "reset" event with the current last id.
  std::vector<Event> After(int64_t after, size_t max = 256) const;
  int64_t last_id() const;

  // `wake` is called (on the publishing thread; it must only post work)
  // after each Publish until Unsubscribe.
  int64_t Subscribe(std::function<void()> wake);
  void Unsubscribe(int64_t token);
  size_t subscribers() const;

 private:
  mutable util::Mutex mu_;
  int64_t next_id_ GUARDED_BY(mu_) = 1;
  std::deque<Event> ring_ GUARDED_BY(mu_);
  int64_t next_token_ GUARDED_BY(mu_) = 1;
  std::map<int64_t, std::function<void()>> subscribers_ GUARDED_BY(mu_);
};

}  // namespace phodex::server
