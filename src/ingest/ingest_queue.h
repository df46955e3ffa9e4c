#pragma once
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ingest/pipeline.h"
#include "storage/job_queue.h"

namespace beetroot {

struct WorkerOptions {
  size_t threads = 1;              // photos ingested at once by this process (0: only enqueue)
  double lease_seconds = 60;       // a job held by a dead worker is taken again after this
  double poll_seconds = 1;         // how often an idle worker looks for jobs other processes queued
  int max_attempts = 5;            // a photo whose leases all ran out this often is marked failed
  bool exit_when_idle = false;     // `beetroot worker --until-empty`: stop once the queue is empty
};

// Ingestion through the database's job queue, which every process on that database shares:
// `enqueue` records the photo's row ('pending') and its job; this process's threads, and
// `beetroot worker` processes anywhere, lease jobs and run them through the pipeline. A job is
// removed only once its photo is finished, so a photo is never lost: a worker killed mid-photo
// leaves its lease to run out, and another worker takes the photo again.
class IngestQueue {
 public:
  IngestQueue(Pipeline& pipeline, JobQueue& jobs, WorkerOptions options);
  ~IngestQueue();  // stop()
  IngestQueue(const IngestQueue&) = delete;
  IngestQueue& operator=(const IngestQueue&) = delete;

  struct Enqueued {
    std::string photo_id;
    std::string outcome;  // queued, already-done, skipped (outside RAW_PREFIX)
    std::string key;
  };
  Enqueued enqueue(const std::string& bucket, const std::string& key);
  struct Upload {
    std::string filename;
    std::string_view bytes;
  };
  // Uploaded files, all or none: every one is checked to decode first, so a corrupt, truncated or
  // oversized file refuses the batch (Error naming the file); then each is stored in the raw bucket
  // at its upload key (Pipeline::upload_key) and queued.
  std::vector<Enqueued> enqueue_uploads(const std::vector<Upload>& uploads);
  // Queues the rows left pending without a job (by a version before the job queue).
  void queue_pending();
  // Blocks until the threads stopped: at stop(), or with exit_when_idle once the queue is empty.
  void wait();
  // Finishes the photos being processed and returns; the rest stay queued.
  void stop();

  size_t depth() const;  // photos queued or being processed, by every worker of the database
  int64_t processed() const { return processed_; }
  int64_t faces_filed() const { return faces_filed_; }
  int64_t failed() const { return failed_; }

 private:
  void work(size_t thread_index);
  void run(const Job& job);
  void renew_leases();
  bool stopping() const;
  bool queue_is_empty() const;

  Pipeline& pipeline_;
  JobQueue& jobs_;
  WorkerOptions options_;
  std::string worker_id_;  // host:pid, which names this process's leases
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  size_t idle_threads_ = 0;
  std::map<std::string, std::string> held_;  // photoId -> lease owner, for renewal
  std::atomic<int64_t> processed_{0}, faces_filed_{0}, failed_{0};
  std::vector<std::thread> threads_;
};

}  // namespace beetroot
