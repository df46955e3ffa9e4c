#pragma once
#include <cstddef>

struct pthreadpool;

namespace beetroot {

// The one pool every net runs on: separate pools spin against each other on few cores.
class ThreadPool {
 public:
  explicit ThreadPool(size_t threads = 0);  // 0: one thread per core
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  pthreadpool* get() const { return pool_; }

 private:
  pthreadpool* pool_;
};

}  // namespace beetroot
