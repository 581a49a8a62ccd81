#include "server/event_hub.h"

#include "library/file_output.h"

namespace phodex::server {

int64_t EventHub::Publish(std::string type, const nlohmann::ordered_json& data) {
  Event e;
  e.type = std::move(type);
  e.data = library::DumpJson(data);
  std::vector<std::function<void()>> wake;
  int64_t id = 0;
  {
    util::MutexLock l(mu_);
    id = e.id = next_id_++;
    ring_.push_back(std::move(e));
    while (ring_.size() > kKeep) ring_.pop_front();
    wake.reserve(subscribers_.size());
    for (const auto& [token, fn] : subscribers_) wake.push_back(fn);
  }
  for (const auto& fn : wake) fn();
  return id;
}

std::vector<Event> EventHub::After(int64_t after, size_t max) const {
  std::vector<Event> out;
  util::MutexLock l(mu_);
  const int64_t oldest = ring_.empty() ? next_id_ : ring_.front().id;
  if (after > 0 && after + 1 < oldest) {
    // Some of what the client missed is gone: it must reload.
    out.push_back(Event{next_id_ - 1, "reset",
                        "{\"last_id\":" + std::to_string(next_id_ - 1) + "}"});
    return out;
  }
  for (const Event& e : ring_) {
    if (e.id <= after) continue;
    if (out.size() >= max) break;
    out.push_back(e);
  }
  return out;
}

int64_t EventHub::last_id() const {
  util::MutexLock l(mu_);
  return next_id_ - 1;
}

int64_t EventHub::Subscribe(std::function<void()> wake) {
  util::MutexLock l(mu_);
  const int64_t token = next_token_++;
  subscribers_.emplace(token, std::move(wake));
  return token;
}

void EventHub::Unsubscribe(int64_t token) {
  util::MutexLock l(mu_);
  subscribers_.erase(token);
}

size_t EventHub::subscribers() const {
  util::MutexLock l(mu_);
  return subscribers_.size();
}

}  // namespace phodex::server
