#include "ingest/ingest_queue.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "base/error.h"

namespace beetroot {
namespace {

std::string this_process() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(getpid());
}

}  // namespace

IngestQueue::IngestQueue(Pipeline& pipeline, JobQueue& jobs, WorkerOptions options)
    : pipeline_(pipeline), jobs_(jobs), options_(options), worker_id_(this_process()) {
  for (size_t i = 0; i < options_.threads; ++i) threads_.emplace_back([this, i] { work(i); });
  // Leases are renewed while photos take longer than a third of the lease.
  if (options_.threads > 0) threads_.emplace_back([this] { renew_leases(); });
}

IngestQueue::~IngestQueue() { stop(); }

IngestQueue::Enqueued IngestQueue::enqueue(const std::string& bucket, const std::string& key) {
  const std::string photo_id = photo_id_for(bucket, key);
  if (!pipeline_.accepts(bucket, key)) return {photo_id, "skipped", key};
  auto row = pipeline_.record(bucket, key);
  if (!row) return {photo_id, "already-done", key};
  jobs_.enqueue(row->photo_id, row->bucket, row->key);
  wake_.notify_one();
  return {photo_id, "queued", key};
}

std::vector<IngestQueue::Enqueued> IngestQueue::enqueue_uploads(const std::vector<Upload>& uploads) {
  for (const auto& upload : uploads) {
    try {
      pipeline_.check_decodes(upload.bytes);
    } catch (const Error& e) {
      throw Error(e.kind(), "'" + upload.filename + "': " + e.what());
    }
  }
  std::vector<Enqueued> queued;
  for (const auto& upload : uploads) {
    const std::string key = pipeline_.upload_key(upload.filename, upload.bytes);
    pipeline_.store_raw(key, upload.bytes);
    queued.push_back(enqueue(pipeline_.settings().raw_bucket, key));
  }
  return queued;
}

void IngestQueue::queue_pending() {
  for (const auto& row : pipeline_.pending()) jobs_.enqueue(row.photo_id, row.bucket, row.key);
  wake_.notify_all();
}

size_t IngestQueue::depth() const { return static_cast<size_t>(jobs_.size()); }

bool IngestQueue::queue_is_empty() const {
  try {
    return jobs_.size() == 0;
  } catch (const std::exception& e) {
    spdlog::error("Worker: cannot read the job queue: {}", e.what());
    return false;  // unknown: keep polling
  }
}

bool IngestQueue::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void IngestQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  wait();
}

void IngestQueue::wait() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void IngestQueue::work(size_t thread_index) {
  const std::string owner = worker_id_ + "/" + std::to_string(thread_index);
  while (!stopping()) {
    std::optional<Job> job;
    try {
      job = jobs_.lease(owner, options_.lease_seconds);
    } catch (const std::exception& e) {
      spdlog::error("Worker: cannot lease a job: {}", e.what());
    }
    if (job) {
      {
        std::lock_guard lock(mutex_);
        held_[job->photo_id] = owner;
      }
      run(*job);
      std::lock_guard lock(mutex_);
      held_.erase(job->photo_id);
      continue;
    }
    std::unique_lock lock(mutex_);
    if (options_.exit_when_idle && held_.empty() && queue_is_empty()) {
      stopping_ = true;
      wake_.notify_all();
      return;
    }
    wake_.wait_for(lock, std::chrono::duration<double>(options_.poll_seconds), [&] { return stopping_; });
  }
}

void IngestQueue::run(const Job& job) {
  try {
    const auto row = pipeline_.photo(job.photo_id);
    if (!row) {
      spdlog::warn("Worker: photoId={} has no Photos row; dropping its job", job.photo_id);
    } else if (row->status != PhotoStatus::Pending) {
      // Finished by another worker whose lease ran out while it still worked.
    } else if (job.attempts > options_.max_attempts) {
      pipeline_.give_up(*row, "no worker finished it in " + std::to_string(options_.max_attempts) + " attempts");
      ++failed_;
    } else {
      const IngestResult result = pipeline_.process_recorded(*row);
      if (result.outcome == IngestResult::Outcome::Failed) ++failed_;
      faces_filed_ += static_cast<int64_t>(result.faces.size());
    }
    jobs_.complete(job.photo_id);
    ++processed_;
  } catch (const std::exception& e) {
    // The job stays leased until its lease runs out; then this or another worker retries it.
    ++failed_;
    spdlog::error("Photos: error photoId={} key={}: {}", job.photo_id, job.key, e.what());
  }
}

void IngestQueue::renew_leases() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::duration<double>(options_.lease_seconds / 3), [&] { return stopping_; });
    const auto held = held_;
    lock.unlock();
    for (const auto& [photo_id, owner] : held) {
      try {
        jobs_.renew(photo_id, owner, options_.lease_seconds);
      } catch (const std::exception& e) {
        spdlog::warn("Worker: cannot renew the lease of photoId={}: {}", photo_id, e.what());
      }
    }
    lock.lock();
  }
}

}  // namespace beetroot
