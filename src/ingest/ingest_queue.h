#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ingest/pipeline.h"

namespace beetroot {

// Photos waiting for the pipeline, processed by background threads. A photo's row is recorded
// ('pending') before it is queued, so a photo queued when the process dies is resumed at the next
// start rather than lost.
class IngestQueue {
 public:
  IngestQueue(Pipeline& pipeline, size_t workers);
  ~IngestQueue();  // stop()
  IngestQueue(const IngestQueue&) = delete;
  IngestQueue& operator=(const IngestQueue&) = delete;

  struct Enqueued {
    std::string photo_id;
    std::string outcome;  // queued, already-done, skipped (outside RAW_PREFIX)
  };
  Enqueued enqueue(const std::string& bucket, const std::string& key);
  void queue_pending();  // the rows an earlier run left pending
  // Finishes the photos being processed and returns; the rest stay pending for the next start.
  void stop();

  size_t depth() const;  // photos waiting or being processed
  int64_t processed() const { return processed_; }
  int64_t faces_filed() const { return faces_filed_; }
  int64_t failed() const { return failed_; }

 private:
  void push(PhotoRow row);
  void work();

  Pipeline& pipeline_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<PhotoRow> rows_;
  size_t in_progress_ = 0;
  bool stopping_ = false;
  std::atomic<int64_t> processed_{0}, faces_filed_{0}, failed_{0};
  std::vector<std::thread> workers_;
};

}  // namespace beetroot
