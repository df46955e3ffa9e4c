#include "storage/sql/sql_job_queue.h"

namespace beetroot {

SqlJobQueue::SqlJobQueue(std::shared_ptr<SqlDatabase> db, std::string queue) : db_(std::move(db)), queue_(std::move(queue)) {
  const bool postgres = db_->dialect() == SqlDatabase::Dialect::Postgres;
  const std::string id = postgres ? "TEXT COLLATE \"C\"" : "TEXT", real = postgres ? "DOUBLE PRECISION" : "REAL";
  db_->migrate("jobs", {
      "CREATE TABLE ingest_jobs (queue " + id + " NOT NULL, photo_id " + id + " NOT NULL, bucket TEXT NOT NULL,"
      " key TEXT NOT NULL, enqueued_at " + real + " NOT NULL, lease_owner TEXT NOT NULL DEFAULT '',"
      " lease_expires " + real + " NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
      " PRIMARY KEY (queue, photo_id));"
      "CREATE INDEX ingest_jobs_by_age ON ingest_jobs (queue, enqueued_at);",
  });
}

bool SqlJobQueue::enqueue(const std::string& photo_id, const std::string& bucket, const std::string& key) {
  return db_->query("INSERT INTO ingest_jobs (queue, photo_id, bucket, key, enqueued_at) VALUES ($1, $2, $3, $4, " +
                        db_->now_seconds_expression() + ") ON CONFLICT DO NOTHING",
                    {queue_, photo_id, bucket, key})
             .affected == 1;
}

std::optional<Job> SqlJobQueue::lease(const std::string& worker, double lease_seconds) {
  const std::string now = db_->now_seconds_expression();
  std::optional<Job> job;
  db_->transaction([&] {
    const auto rows =
        db_->query("UPDATE ingest_jobs SET lease_owner = $2, lease_expires = " + now + " + $3, attempts = attempts + 1"
                   " WHERE queue = $1 AND lease_expires < " + now + " AND photo_id = (SELECT photo_id FROM ingest_jobs"
                   " WHERE queue = $1 AND lease_expires < " + now + " ORDER BY enqueued_at, photo_id LIMIT 1" +
                   db_->skip_locked_clause() + ") RETURNING photo_id, bucket, key, attempts",
                   {queue_, worker, lease_seconds})
            .rows;
    if (!rows.empty())
      job = Job{rows.front().text(0), rows.front().text(1), rows.front().text(2),
                static_cast<int>(rows.front().integer(3))};
  });
  return job;
}

bool SqlJobQueue::renew(const std::string& photo_id, const std::string& worker, double lease_seconds) {
  return db_->query("UPDATE ingest_jobs SET lease_expires = " + db_->now_seconds_expression() +
                        " + $4 WHERE queue = $1 AND photo_id = $2 AND lease_owner = $3",
                    {queue_, photo_id, worker, lease_seconds})
             .affected == 1;
}

void SqlJobQueue::complete(const std::string& photo_id) {
  db_->query("DELETE FROM ingest_jobs WHERE queue = $1 AND photo_id = $2", {queue_, photo_id});
}

void SqlJobQueue::release(const std::string& photo_id, const std::string& worker) {
  db_->query("UPDATE ingest_jobs SET lease_owner = '', lease_expires = 0, attempts = attempts - 1"
             " WHERE queue = $1 AND photo_id = $2 AND lease_owner = $3",
             {queue_, photo_id, worker});
}

int64_t SqlJobQueue::size() const {
  return db_->query("SELECT count(*) FROM ingest_jobs WHERE queue = $1", {queue_}).rows.front().integer(0);
}

}  // namespace beetroot
