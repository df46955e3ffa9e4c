// A request repeated while the first is still working, or after it answered, gets the first answer;
// the work is done once; a failure is not remembered; a reused token with other content is refused.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "api/face_api/protocol.h"
#include "api/face_api/repeated_requests.h"

namespace beetroot::face_api {
namespace {

using namespace std::chrono_literals;

TEST(RepeatedRequests, ARepeatWaitsForTheFirstAnswerAndTheWorkIsDoneOnce) {
  RepeatedRequests repeated(10min, 100);
  std::atomic<int> runs{0};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto slow_work = [&] {
    released.wait();
    return nlohmann::json{{"run", ++runs}};
  };
  auto first = std::async(std::launch::async, [&] { return repeated.answer("k", "d", slow_work); });
  auto retry = std::async(std::launch::async, [&] { return repeated.answer("k", "d", slow_work); });
  while (repeated.repeats() == 0) std::this_thread::sleep_for(1ms);  // the retry is waiting
  release.set_value();
  EXPECT_EQ(retry.get(), first.get());
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(repeated.repeats(), 1);
  EXPECT_EQ(repeated.answer("k", "d", slow_work), (nlohmann::json{{"run", 1}}));
  EXPECT_EQ(repeated.repeats(), 2);
}

TEST(RepeatedRequests, AFailureIsNotRememberedAndOtherContentUnderOneKeyIsRefused) {
  RepeatedRequests repeated(10min, 100);
  int runs = 0;
  EXPECT_THROW(repeated.answer("k", "d", [&]() -> nlohmann::json { ++runs; throw std::runtime_error("failed"); }),
               std::runtime_error);
  EXPECT_EQ(repeated.answer("k", "d", [&] { return nlohmann::json(++runs); }), 2);
  try {
    repeated.answer("k", "other content", [&] { return nlohmann::json(++runs); });
    FAIL() << "a key reused with other content was answered";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.type(), "IdempotentParameterMismatchException");
  }
  EXPECT_EQ(runs, 2);
}

TEST(RepeatedRequests, AnswersAreForgottenAfterTheWindowOrBeyondTheCapacity) {
  RepeatedRequests brief(0s, 100), small(10min, 2);
  int runs = 0;
  auto work = [&] { return nlohmann::json(++runs); };
  brief.answer("k", "d", work);
  std::this_thread::sleep_for(2ms);
  EXPECT_EQ(brief.answer("k", "d", work), 2);
  for (const char* key : {"a", "b", "c"}) small.answer(key, key, work);
  EXPECT_EQ(small.answer("c", "c", work), 5);  // kept
  EXPECT_EQ(small.answer("a", "a", work), 6);  // the oldest, forgotten
}

}  // namespace
}  // namespace beetroot::face_api
