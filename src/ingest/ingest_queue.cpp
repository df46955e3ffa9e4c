#include "ingest/ingest_queue.h"

#include <spdlog/spdlog.h>

namespace beetroot {

IngestQueue::IngestQueue(Pipeline& pipeline, size_t workers) : pipeline_(pipeline) {
  for (size_t i = 0; i < std::max<size_t>(workers, 1); ++i) workers_.emplace_back([this] { work(); });
}

IngestQueue::~IngestQueue() { stop(); }

IngestQueue::Enqueued IngestQueue::enqueue(const std::string& bucket, const std::string& key) {
  const std::string photo_id = photo_id_for(bucket, key);
  if (!pipeline_.accepts(bucket, key)) return {photo_id, "skipped"};
  auto row = pipeline_.record(bucket, key);
  if (!row) return {photo_id, "already-done"};
  push(std::move(*row));
  return {photo_id, "queued"};
}

void IngestQueue::queue_pending() {
  for (auto& row : pipeline_.pending()) push(std::move(row));
}

void IngestQueue::push(PhotoRow row) {
  {
    std::lock_guard lock(mutex_);
    rows_.push_back(std::move(row));
  }
  ready_.notify_one();
}

size_t IngestQueue::depth() const {
  std::lock_guard lock(mutex_);
  return rows_.size() + in_progress_;
}

void IngestQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void IngestQueue::work() {
  for (;;) {
    PhotoRow row;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return stopping_ || !rows_.empty(); });
      if (stopping_) return;
      row = std::move(rows_.front());
      rows_.pop_front();
      ++in_progress_;
    }
    try {
      const IngestResult result = pipeline_.process_recorded(row);
      if (result.outcome == IngestResult::Outcome::Failed) ++failed_;
      faces_filed_ += static_cast<int64_t>(result.faces.size());
    } catch (const std::exception& e) {
      // The row stays pending: the next start retries it.
      ++failed_;
      spdlog::error("Photos: error photoId={} key={}: {}", row.photo_id, row.key, e.what());
    }
    ++processed_;
    std::lock_guard lock(mutex_);
    --in_progress_;
  }
}

}  // namespace beetroot
