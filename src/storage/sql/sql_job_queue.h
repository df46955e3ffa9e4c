#pragma once
#include <memory>

#include "storage/job_queue.h"
#include "storage/sql/sql_database.h"

namespace beetroot {

// The job queue in SQLite or PostgreSQL (table ingest_jobs, one queue per Photos table). In
// PostgreSQL, concurrent workers skip each other's claimed rows (FOR UPDATE SKIP LOCKED).
class SqlJobQueue : public JobQueue {
 public:
  SqlJobQueue(std::shared_ptr<SqlDatabase> db, std::string queue);
  bool enqueue(const std::string& photo_id, const std::string& bucket, const std::string& key) override;
  std::optional<Job> lease(const std::string& worker, double lease_seconds) override;
  bool renew(const std::string& photo_id, const std::string& worker, double lease_seconds) override;
  void complete(const std::string& photo_id) override;
  void release(const std::string& photo_id, const std::string& worker) override;
  int64_t size() const override;

 private:
  std::shared_ptr<SqlDatabase> db_;
  std::string queue_;
};

}  // namespace beetroot
