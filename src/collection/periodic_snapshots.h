#pragma once
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "collection/collections.h"

namespace beetroot {

// Saves the snapshot of every open collection that changed, every `interval`, on a thread of its
// own: a process killed without a clean stop then restarts from a recent snapshot and replays
// what changed since, instead of rebuilding its index (at 10M faces, more than an hour). No
// thread for an interval of zero: snapshots only at stop.
class PeriodicSnapshots {
 public:
  PeriodicSnapshots(Collections& collections, std::chrono::milliseconds interval);
  ~PeriodicSnapshots();  // stops, after the save under way if any
  PeriodicSnapshots(const PeriodicSnapshots&) = delete;
  PeriodicSnapshots& operator=(const PeriodicSnapshots&) = delete;

 private:
  void run();

  Collections& collections_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace beetroot
