// The Photos table and the job queue, on every SQL backend (SQLite, and PostgreSQL where a
// server is named): the same behaviour from both.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "backends.h"
#include "base/error.h"
#include "storage/sql/sql_job_queue.h"
#include "storage/sql/sql_photo_table.h"

namespace beetroot {
namespace {

class SqlStorageOn : public ::testing::TestWithParam<std::string> {
  void SetUp() override { BEETROOT_REQUIRE_BACKEND(GetParam()); }
};
INSTANTIATE_TEST_SUITE_P(Backends, SqlStorageOn, ::testing::Values("sqlite", "postgres"));

PhotoRow pending_row(const std::string& key) {
  return {photo_id_for("bucket", key), "bucket", key, utc_now_iso8601(), PhotoStatus::Pending, 0, {}, ""};
}

TEST_P(SqlStorageOn, PhotosAreInsertedOnceAndRecordTheirOutcome) {
  test::ScratchDatabase scratch(GetParam());
  auto db = scratch.connect();
  SqlPhotoTable table(db, "Photos");
  const std::string id = photo_id_for("bucket", "photos-raw/a.jpg");
  EXPECT_EQ(id, "87f86e80c3d1535c3b21");  // echo -n bucket/photos-raw/a.jpg | sha256sum | cut -c1-20
  EXPECT_NE(photo_id_for("bucket", "photos-raw/b.jpg"), id);
  const PhotoRow row = pending_row("photos-raw/a.jpg");
  EXPECT_TRUE(table.insert_once(row));
  EXPECT_FALSE(table.insert_once(row));
  SqlPhotoTable(scratch.connect(), "Photos");  // a second process opening the table changes nothing
  EXPECT_FALSE(table.remove_finished(id));     // still pending
  const std::vector<std::string> keys{"faces-thumbs/p/x_face_1.jpg", "faces-thumbs/q/ünï cödé \"quoted\".jpg"};
  table.finish(id, 2, keys);
  auto got = table.get(id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, PhotoStatus::Done);
  EXPECT_EQ(got->face_count, 2);
  EXPECT_EQ(got->face_thumb_keys, keys);
  EXPECT_EQ(got->key, "photos-raw/a.jpg");

  const PhotoRow broken = pending_row("photos-raw/broken.jpg");
  table.insert_once(broken);
  table.fail(broken.photo_id, "not an image: it's 'text'");
  EXPECT_EQ(table.get(broken.photo_id)->error, "not an image: it's 'text'");
  EXPECT_EQ(table.list(PhotoStatus::Failed).size(), 1u);
  EXPECT_EQ(table.list(PhotoStatus::Pending).size(), 0u);
  EXPECT_EQ(table.list(std::nullopt).size(), 2u);
  EXPECT_TRUE(table.remove_finished(id));
  EXPECT_FALSE(table.get(id));
  // A table name is part of the SQL: anything but letters, digits and '_' is refused.
  EXPECT_THROW(SqlPhotoTable(db, "Photos; DROP TABLE x"), Error);
  EXPECT_THROW(SqlPhotoTable(db, "Photos\" --"), Error);
  EXPECT_EQ(table.list(std::nullopt).size(), 1u);
}

TEST_P(SqlStorageOn, JobsAreLeasedOnceUntilTheirLeaseRunsOut) {
  test::ScratchDatabase scratch(GetParam());
  SqlJobQueue queue(scratch.connect(), "Photos"), other(scratch.connect(), "Photos");
  EXPECT_TRUE(queue.enqueue("p1", "bucket", "photos-raw/1.jpg"));
  EXPECT_FALSE(queue.enqueue("p1", "bucket", "photos-raw/1.jpg"));
  EXPECT_TRUE(queue.enqueue("p2", "bucket", "photos-raw/2.jpg"));
  EXPECT_EQ(SqlJobQueue(scratch.connect(), "OtherPhotos").size(), 0);  // queues of other Photos tables apart

  const auto first = queue.lease("w1", 1.5);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->photo_id, "p1");  // oldest first
  EXPECT_EQ(first->attempts, 1);
  const auto second = other.lease("w2", 60);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->photo_id, "p2");
  EXPECT_FALSE(other.lease("w2", 60));  // both held

  EXPECT_FALSE(other.renew("p1", "w2", 60));  // not w2's
  std::this_thread::sleep_for(std::chrono::milliseconds(1700));
  const auto retaken = other.lease("w2", 60);  // w1 stopped answering
  ASSERT_TRUE(retaken);
  EXPECT_EQ(retaken->photo_id, "p1");
  EXPECT_EQ(retaken->attempts, 2);
  EXPECT_FALSE(queue.renew("p1", "w1", 60));  // w1's lease is gone

  other.release("p2", "w2");
  const auto released = queue.lease("w1", 60);
  ASSERT_TRUE(released);
  EXPECT_EQ(released->photo_id, "p2");
  EXPECT_EQ(released->attempts, 1);  // a release is not an attempt
  queue.complete("p1");
  queue.complete("p2");
  EXPECT_EQ(queue.size(), 0);
  EXPECT_FALSE(queue.lease("w1", 60));
}

// Workers racing for jobs on their own connections each get different jobs.
TEST_P(SqlStorageOn, ConcurrentWorkersNeverLeaseTheSameJob) {
  test::ScratchDatabase scratch(GetParam());
  constexpr int kJobs = 60, kWorkers = 4;
  {
    SqlJobQueue queue(scratch.connect(), "Photos");
    for (int i = 0; i < kJobs; ++i) queue.enqueue("p" + std::to_string(i), "bucket", "k" + std::to_string(i));
  }
  std::mutex mutex;
  std::multiset<std::string> leased;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w)
    workers.emplace_back([&, w] {
      SqlJobQueue queue(scratch.connect(), "Photos");
      while (auto job = queue.lease("w" + std::to_string(w), 60)) {
        std::lock_guard lock(mutex);
        leased.insert(job->photo_id);
      }
    });
  for (auto& t : workers) t.join();
  EXPECT_EQ(leased.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::set<std::string>(leased.begin(), leased.end()).size(), static_cast<size_t>(kJobs));
}

TEST_P(SqlStorageOn, MigrationsRunOnceAndRefuseANewerSchema) {
  test::ScratchDatabase scratch(GetParam());
  auto db = scratch.connect();
  db->migrate("demo", {"CREATE TABLE demo (a INTEGER)"});
  db->migrate("demo", {"CREATE TABLE demo (a INTEGER)", "ALTER TABLE demo ADD COLUMN b INTEGER"});
  db->query("INSERT INTO demo (a, b) VALUES ($1, $2)", {int64_t{1}, int64_t{2}});
  EXPECT_EQ(db->query("SELECT b FROM demo").rows.front().integer(0), 2);
  try {
    db->migrate("demo", {"CREATE TABLE demo (a INTEGER)"});
    ADD_FAILURE() << "an older beetroot opened a newer schema";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("newer than this beetroot knows"), std::string::npos) << e.what();
  }
  // A failed step leaves the schema as it was.
  EXPECT_THROW(db->migrate("demo", {"CREATE TABLE demo (a INTEGER)", "ALTER TABLE demo ADD COLUMN b INTEGER",
                                     "ALTER TABLE demo ADD COLUMN c INTEGER", "NOT SQL"}),
               Error);
  EXPECT_THROW(db->query("SELECT c FROM demo"), Error);
}

TEST_P(SqlStorageOn, ValuesRoundTripExactly) {
  test::ScratchDatabase scratch(GetParam());
  auto db = scratch.connect();
  db->script(GetParam() == "postgres" ? "CREATE TABLE t (s TEXT, i BIGINT, r DOUBLE PRECISION, b BYTEA)"
                                      : "CREATE TABLE t (s TEXT, i INTEGER, r REAL, b BLOB)");
  const std::string text = "ünï 'quoted' $1 \\ end", bytes("\0\x01\xff\\x", 5);
  db->query("INSERT INTO t VALUES ($1, $2, $3, $4)", {text, int64_t{-9007199254740993}, 0.1f * 3, SqlBlob{bytes}});
  const auto row = db->query("SELECT s, i, r, b FROM t WHERE s = $1", {text}).rows.at(0);
  EXPECT_EQ(row.text(0), text);
  EXPECT_EQ(row.integer(1), -9007199254740993);
  EXPECT_EQ(static_cast<float>(row.real(2)), 0.1f * 3);
  EXPECT_EQ(row.text(3), bytes);
}

}  // namespace
}  // namespace beetroot
