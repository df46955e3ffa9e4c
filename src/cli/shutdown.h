#pragma once
#include <atomic>
#include <functional>
#include <thread>

namespace beetroot::cli {

// SIGTERM and SIGINT call `stop` on a thread of its own: work in flight finishes; what is queued
// stays queued for the next start. A process-wide handler, not a signal mask: libraries start
// threads before main() (OpenBLAS does, when OpenCV loads it), and the signal may land on any of
// them.
class ShutdownOnSignal {
 public:
  explicit ShutdownOnSignal(std::function<void()> stop);
  ~ShutdownOnSignal();
  ShutdownOnSignal(const ShutdownOnSignal&) = delete;
  ShutdownOnSignal& operator=(const ShutdownOnSignal&) = delete;

 private:
  std::thread waiter_;
};

}  // namespace beetroot::cli
