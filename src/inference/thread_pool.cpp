#include "inference/thread_pool.h"

#include <pthreadpool.h>

#include "inference/error.h"

namespace beetroot {

ThreadPool::ThreadPool(size_t threads) : pool_(pthreadpool_create(threads)) {
  if (!pool_) throw Error(ErrorKind::Internal, "cannot create thread pool");
}

ThreadPool::~ThreadPool() { pthreadpool_destroy(pool_); }

}  // namespace beetroot
