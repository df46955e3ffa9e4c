#pragma once
// A request that repeats one answered (or still running) a moment ago gets that first answer,
// and its work is not done twice: an SDK retrying a timed-out IndexFaces (boto3 retries by
// default) must not index the same faces again, and an operation that carries the cloud API's
// ClientRequestToken is done once per token.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace beetroot::face_api {

class RepeatedRequests {
 public:
  using Clock = std::chrono::steady_clock;
  RepeatedRequests(Clock::duration window, size_t capacity);

  // The answer to the request named `key` whose whole content is `digest`: the first answer given
  // for that key within the window (waiting for it while it is computed), else `work()`'s. A key
  // seen with another digest is IdempotentParameterMismatchException; a failed `work()` is not
  // kept, so the next attempt does the work again.
  nlohmann::json answer(const std::string& key, const std::string& digest, const std::function<nlohmann::json()>& work);

  // Requests answered with an earlier answer, since the start.
  int64_t repeats() const { return repeats_; }

 private:
  struct Entry {
    std::string digest;
    std::shared_future<nlohmann::json> answer;
    Clock::time_point at;
  };
  void forget_old(Clock::time_point now);

  Clock::duration window_;
  size_t capacity_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  std::multimap<Clock::time_point, std::string> by_age_;
  std::atomic<int64_t> repeats_{0};
};

}  // namespace beetroot::face_api
