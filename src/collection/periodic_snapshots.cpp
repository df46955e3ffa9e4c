#include "collection/periodic_snapshots.h"

namespace beetroot {

PeriodicSnapshots::PeriodicSnapshots(Collections& collections, std::chrono::milliseconds interval)
    : collections_(collections), interval_(interval) {
  if (interval_.count() > 0) thread_ = std::thread([this] { run(); });
}

PeriodicSnapshots::~PeriodicSnapshots() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeriodicSnapshots::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    collections_.save_snapshots();
    lock.lock();
  }
}

}  // namespace beetroot
