// Many workers on one PostgreSQL database and one S3 server: three `beetroot worker` processes,
// one of them killed with SIGKILL mid-run, file LFW photos into the same persons as one process
// does, lose no photo, and never create one person twice in a race.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "backends.h"
#include "test_support.h"

namespace beetroot {
namespace {

namespace fs = std::filesystem;

// The environment a worker process runs in: one database, one object store.
struct Deployment {
  std::string database_url;
  fs::path data;
  std::string object_store_url;

  std::string env() const {
    std::string e = "BEETROOT_DATA=" + data.string() + " DATABASE_URL=" + database_url;
    if (!object_store_url.empty())
      e += " OBJECT_STORE_URL=" + object_store_url + " AWS_ACCESS_KEY_ID=" + test::env_or_empty("BEETROOT_TEST_S3_KEY") +
           " AWS_SECRET_ACCESS_KEY=" + test::env_or_empty("BEETROOT_TEST_S3_SECRET");
    return e;
  }
  test::CommandResult run(const std::string& args) const {
    return test::run_command(env() + " " + BEETROOT_BINARY + " " + args + " 2>>" + (data / "log").string());
  }
  pid_t start_worker() const {
    const pid_t pid = fork();
    if (pid == 0) {
      const int log = open((data / "log").c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
      dup2(log, STDERR_FILENO);
      std::istringstream vars(env());
      for (std::string kv; vars >> kv;) putenv(strdup(kv.c_str()));
      // One inference thread each: three workers share this machine's cores.
      execl(BEETROOT_BINARY, BEETROOT_BINARY, "worker", "--until-empty", "--threads", "1", "--lease-seconds", "3",
            "--poll-seconds", "0.2", static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid;
  }
};

// Each face ("<key>#<n>": photoIds depend on the bucket) -> the index of its person.
std::map<std::string, size_t> persons_of_faces(const Deployment& d) {
  std::map<std::string, std::string> key_of;  // photoId -> key
  std::istringstream rows(d.run("photos").out);
  for (std::string line; std::getline(rows, line);) {
    const auto row = nlohmann::json::parse(line);
    key_of[row.at("photoId")] = row.at("key");
  }
  std::map<std::string, size_t> person_of;
  std::istringstream lines(d.run("people").out);
  size_t person = 0;
  for (std::string line; std::getline(lines, line); ++person) {
    const auto listed = nlohmann::json::parse(line);
    for (const auto& thumb : listed.at("thumbnails")) {
      const std::string name = thumb.get<std::string>().substr(thumb.get<std::string>().rfind('/') + 1);
      const size_t face = name.find("_face_");
      person_of[key_of.at(name.substr(0, face)) + "#" + name.substr(face + 6)] = person;
    }
  }
  return person_of;
}

// Pairwise F1 of two groupings of the same faces: 1 when they are the same partition.
double pairwise_f1(const std::map<std::string, size_t>& a, const std::map<std::string, size_t>& b) {
  std::map<size_t, double> in_a, in_b;
  std::map<std::pair<size_t, size_t>, double> both;
  for (const auto& [face, p] : a) {
    ++in_a[p];
    ++in_b[b.at(face)];
    ++both[{p, b.at(face)}];
  }
  auto pairs = [](const auto& counts) {
    double sum = 0;
    for (const auto& [_, n] : counts) sum += n * (n - 1) / 2;
    return sum;
  };
  const double agreed = pairs(both), precision = agreed / pairs(in_a), recall = agreed / pairs(in_b);
  return 2 * precision * recall / (precision + recall);
}

class Workers : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test::env_or_empty("BEETROOT_TEST_POSTGRES_URL").empty()) GTEST_SKIP() << "BEETROOT_TEST_POSTGRES_URL is not set";
    if (test::shared_data().empty()) GTEST_SKIP() << "../shared/data (LFW) is not here";
    root_ = fs::temp_directory_path() / ("beetroot-workers-" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override {
    if (!root_.empty() && !HasFailure()) fs::remove_all(root_);
  }
  // A deployment on its own database, with its objects in a local folder or on the S3 server.
  Deployment deployment(const test::ScratchDatabase& db, const std::string& name, bool on_s3) {
    Deployment d{db.url(), root_ / name, ""};
    fs::create_directories(d.data);
    const std::string endpoint = test::env_or_empty("BEETROOT_TEST_S3_ENDPOINT");
    if (on_s3 && !endpoint.empty()) {
      d.object_store_url = "s3+" + endpoint;
      const std::string aws = "AWS_ACCESS_KEY_ID=" + test::env_or_empty("BEETROOT_TEST_S3_KEY") +
                              " AWS_SECRET_ACCESS_KEY=" + test::env_or_empty("BEETROOT_TEST_S3_SECRET") +
                              " aws --region us-east-1 --endpoint-url " + endpoint + " s3 mb s3://";
      // Each deployment's buckets: RAW_BUCKET and THUMBS_BUCKET, named apart.
      const std::string suffix = "-" + std::to_string(getpid()) + "-" + name;
      EXPECT_EQ(test::run_command(aws + "raw" + suffix + " >/dev/null").status, 0);
      EXPECT_EQ(test::run_command(aws + "thumbs" + suffix + " >/dev/null").status, 0);
      d.object_store_url += " RAW_BUCKET=raw" + suffix + " THUMBS_BUCKET=thumbs" + suffix;
    }
    return d;
  }
  // LFW people with at least four photos, in name order, up to `count` photos.
  fs::path lfw_photos(size_t count) {
    const fs::path dir = root_ / "photos";
    std::vector<fs::path> people;
    for (const auto& e : fs::directory_iterator(test::shared_data() / "lfw/lfw-deepfunneled")) people.push_back(e.path());
    std::sort(people.begin(), people.end());
    size_t taken = 0;
    for (const auto& person : people) {
      std::vector<fs::path> photos;
      for (const auto& e : fs::directory_iterator(person)) photos.push_back(e.path());
      if (photos.size() < 4) continue;
      for (const auto& p : photos) {
        if (taken++ == count) return dir;
        fs::create_directories(dir / person.filename());
        fs::copy_file(p, dir / person.filename() / p.filename());
      }
    }
    return dir;
  }
  fs::path root_;
};

size_t photos_to_ingest() {
  if (const char* n = std::getenv("BEETROOT_WORKERS_TEST_PHOTOS")) return std::stoul(n);
  return test::sanitized() ? 24 : 100;
}

TEST_F(Workers, ThreeWorkersFileTheSamePersonsAsOneProcessAndAKilledWorkerLosesNothing) {
  const fs::path photos = lfw_photos(photos_to_ingest());
  test::ScratchDatabase single_db("postgres"), shared_db("postgres");
  const Deployment single = deployment(single_db, "single", false), shared = deployment(shared_db, "shared", true);
  ASSERT_EQ(single.run("ingest --workers 1 " + photos.string()).status, 0);

  ASSERT_EQ(shared.run("ingest --queue " + photos.string()).status, 0);
  std::vector<pid_t> workers;
  for (int i = 0; i < 3; ++i) workers.push_back(shared.start_worker());
  std::this_thread::sleep_for(std::chrono::seconds(4));
  ASSERT_EQ(kill(workers[0], SIGKILL), 0);
  EXPECT_EQ(test::wait_exit(workers[0]), -SIGKILL);
  const pid_t replacement = shared.start_worker();
  for (size_t i = 1; i < workers.size(); ++i) EXPECT_EQ(test::wait_exit(workers[i]), 0);
  EXPECT_EQ(test::wait_exit(replacement), 0);

  // Every photo done, each with the faces the single process found.
  std::map<std::string, int> faces_single, faces_shared;  // key -> faces
  for (const auto& [d, faces] : {std::pair{&single, &faces_single}, {&shared, &faces_shared}}) {
    std::istringstream lines(d->run("photos").out);
    for (std::string line; std::getline(lines, line);) {
      const auto row = nlohmann::json::parse(line);
      EXPECT_EQ(row.at("status"), "done") << line;
      (*faces)[row.at("key")] = row.at("faceCount");
    }
  }
  EXPECT_EQ(faces_shared.size(), photos_to_ingest());
  EXPECT_EQ(faces_shared, faces_single);

  const auto grouped_single = persons_of_faces(single), grouped_shared = persons_of_faces(shared);
  ASSERT_EQ(grouped_shared.size(), grouped_single.size());
  // Workers take photos in another order than one process, and online grouping depends a little
  // on order; a race (two workers founding one person twice) would split persons outright.
  const double f1 = pairwise_f1(grouped_shared, grouped_single);
  std::cout << "faces " << grouped_shared.size() << ", pairwise F1 against one process " << f1 << "\n";
  EXPECT_GE(f1, 0.98);
}

// Copies of one portrait under many keys, ingested by three workers at once: every copy matches
// the one person the first of them founded.
TEST_F(Workers, CopiesOfOnePhotoIngestedAtOnceAreOnePerson) {
  const fs::path dir = root_ / "copies-photos";
  fs::create_directories(dir);
  const fs::path portrait = test::shared_data() / "lfw/lfw-deepfunneled/Aaron_Peirsol/Aaron_Peirsol_0001.jpg";
  for (int i = 0; i < 24; ++i) fs::copy_file(portrait, dir / ("copy" + std::to_string(i) + ".jpg"));
  test::ScratchDatabase db("postgres");
  const Deployment d = deployment(db, "copies", true);
  ASSERT_EQ(d.run("ingest --queue " + dir.string()).status, 0);
  std::vector<pid_t> workers;
  for (int i = 0; i < 3; ++i) workers.push_back(d.start_worker());
  for (const pid_t w : workers) EXPECT_EQ(test::wait_exit(w), 0);
  const auto grouped = persons_of_faces(d);
  ASSERT_EQ(grouped.size(), 24u);
  for (const auto& [face, person] : grouped) EXPECT_EQ(person, 0u) << face;
}

}  // namespace
}  // namespace beetroot

namespace beetroot {
namespace {

// A library on a disk every worker mounts at the same path: the scan queues its photos, workers
// read them there, and nothing is copied into the raw bucket.
TEST_F(Workers, WorkersFileAQueuedLibraryWhereItLies) {
  const fs::path photos = lfw_photos(40);
  test::ScratchDatabase db("postgres");
  const Deployment d = deployment(db, "library", true);
  ASSERT_EQ(d.run("library add shelf " + photos.string()).status, 0);
  const auto queued = nlohmann::json::parse(d.run("library scan --queue").out);
  EXPECT_EQ(queued.at("queued"), 40);
  std::vector<pid_t> workers = {d.start_worker(), d.start_worker()};
  for (const pid_t w : workers) EXPECT_EQ(test::wait_exit(w), 0);
  std::istringstream lines(d.run("photos").out);
  size_t done = 0;
  for (std::string line; std::getline(lines, line);) {
    const auto row = nlohmann::json::parse(line);
    EXPECT_EQ(row.at("bucket"), "shelf");
    EXPECT_TRUE(fs::exists(photos / row.at("key").get<std::string>())) << line;
    done += row.at("status") == "done";
  }
  EXPECT_EQ(done, 40u);
  const auto again = nlohmann::json::parse(d.run("library scan --queue").out);
  EXPECT_EQ(again.at("unchanged"), 40);
  EXPECT_EQ(again.at("queued"), 0);
}

}  // namespace
}  // namespace beetroot
