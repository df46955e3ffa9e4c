#pragma once
#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

namespace beetroot::cli {

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts afterwards.
void block_shutdown_signals();

// SIGTERM and SIGINT (blocked everywhere by block_shutdown_signals) are taken by one thread, which
// calls `stop`: work in flight finishes; what is queued stays queued for the next start.
class ShutdownOnSignal {
 public:
  explicit ShutdownOnSignal(std::function<void()> stop);
  ~ShutdownOnSignal();
  ShutdownOnSignal(const ShutdownOnSignal&) = delete;
  ShutdownOnSignal& operator=(const ShutdownOnSignal&) = delete;

 private:
  std::atomic<bool> done_{false};
  std::thread waiter_;
};

}  // namespace beetroot::cli
