#include "api/face_api/repeated_requests.h"

#include "api/face_api/protocol.h"

namespace beetroot::face_api {

RepeatedRequests::RepeatedRequests(Clock::duration window, size_t capacity) : window_(window), capacity_(capacity) {}

void RepeatedRequests::forget_old(Clock::time_point now) {
  while (!by_age_.empty() && (by_age_.begin()->first + window_ < now || entries_.size() > capacity_)) {
    auto oldest = by_age_.begin();
    if (auto e = entries_.find(oldest->second); e != entries_.end() && e->second.at == oldest->first) entries_.erase(e);
    by_age_.erase(oldest);
  }
}

nlohmann::json RepeatedRequests::answer(const std::string& key, const std::string& digest,
                                        const std::function<nlohmann::json()>& work) {
  std::promise<nlohmann::json> promise;
  std::shared_future<nlohmann::json> earlier;
  Clock::time_point at;
  {
    std::lock_guard lock(mutex_);
    at = Clock::now();
    forget_old(at);
    if (auto found = entries_.find(key); found != entries_.end()) {
      if (found->second.digest != digest)
        throw ApiError("IdempotentParameterMismatchException", 400,
                       "ClientRequestToken was used a moment ago with other parameters");
      earlier = found->second.answer;
    } else {
      entries_[key] = {digest, promise.get_future().share(), at};
      by_age_.emplace(at, key);
    }
  }
  if (earlier.valid()) {
    ++repeats_;
    return earlier.get();  // waits while the first request is still working
  }
  try {
    nlohmann::json result = work();
    promise.set_value(result);
    return result;
  } catch (...) {
    promise.set_exception(std::current_exception());
    std::lock_guard lock(mutex_);
    if (auto e = entries_.find(key); e != entries_.end() && e->second.at == at) entries_.erase(e);
    throw;
  }
}

}  // namespace beetroot::face_api
