#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace beetroot {

// A photo waiting to be ingested, as a worker holds it.
struct Job {
  std::string photo_id, bucket, key;
  int attempts = 0;  // leases taken on it so far, this one included
};

// Photos waiting for workers, shared by every process on one database. A worker leases a job for a
// while; if it dies, the lease runs out and another worker takes the job. A job is removed only
// when its photo is finished, so a photo is never lost between workers.
class JobQueue {
 public:
  virtual ~JobQueue() = default;
  // Adds the photo unless it is queued already; returns whether it did.
  virtual bool enqueue(const std::string& photo_id, const std::string& bucket, const std::string& key) = 0;
  // The oldest job no live lease holds, now leased to `worker` for `lease_seconds`.
  virtual std::optional<Job> lease(const std::string& worker, double lease_seconds) = 0;
  // Extends the worker's lease; false if the job is gone or another worker holds it now.
  virtual bool renew(const std::string& photo_id, const std::string& worker, double lease_seconds) = 0;
  // The photo is finished (done or failed): its job goes.
  virtual void complete(const std::string& photo_id) = 0;
  // Gives the job back at once, for another worker (a worker stopping before it started it).
  virtual void release(const std::string& photo_id, const std::string& worker) = 0;
  virtual int64_t size() const = 0;
};

}  // namespace beetroot
