// Ingestion through the real binary on real photos, and the pipeline under concurrency.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "app/stores.h"
#include "base/error.h"
#include "inference/image.h"
#include "ingest/pipeline.h"
#include "test_support.h"

namespace beetroot {
namespace {

namespace fs = std::filesystem;
using test::kBinary;

// A fresh data folder and a folder of photos for one test.
struct Sandbox {
  fs::path root = test::scratch_folder("ingest");
  fs::path data = root / "data", photos = root / "photos";
  Sandbox() {
    fs::remove_all(root);
    fs::create_directories(photos);
  }
  ~Sandbox() { fs::remove_all(root); }
  std::string env() const { return "BEETROOT_DATA=" + data.string() + " "; }
  test::CommandResult beetroot(const std::string& args) const {
    return test::run_command(env() + kBinary + " " + args + " 2>&1");
  }
  fs::path add(const std::string& name, const cv::Mat& rgb) const {
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    const auto path = photos / name;
    fs::create_directories(path.parent_path());
    cv::imwrite(path.string(), bgr);
    return path;
  }
  Settings config() const {
    return Settings::in_folder(data);
  }
};

cv::Mat flipped(const cv::Mat& m) {
  cv::Mat out;
  cv::flip(m, out, 1);
  return out;
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] == '{') out.push_back(nlohmann::json::parse(line));
  return out;
}

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

// No photo left pending, and every photo's faceThumbKeys are exactly the stored thumbnails: none missing, none orphaned.
void expect_consistent(const Sandbox& box) {
  Stores s = Stores::open(box.config());
  std::set<std::string> referenced;
  for (const auto& row : s.photos->list()) {
    EXPECT_NE(row.status, PhotoStatus::Pending) << "left unfinished: " << row.key;
    EXPECT_EQ(row.face_count, static_cast<int>(row.face_thumb_keys.size()));
    for (const auto& k : row.face_thumb_keys) EXPECT_TRUE(referenced.insert(k).second) << "thumbnail filed twice: " << k;
  }
  const auto stored = s.objects->list(s.config.thumbs_bucket, s.config.thumbs_prefix);
  EXPECT_EQ(std::set<std::string>(stored.begin(), stored.end()), referenced);
  std::set<std::string> face_ids, thumb_keys;
  for (const auto& f : s.faces->faces(s.config.collection_id)) {
    EXPECT_TRUE(face_ids.insert(f.face_id).second) << "duplicate face record";
    thumb_keys.insert(f.thumb_key);
    EXPECT_EQ(f.thumb_key.find(s.config.thumbs_prefix + f.person_id + "/"), 0u) << "thumbnail outside its person's folder";
  }
  EXPECT_EQ(thumb_keys, referenced);
}

TEST(Ingest, FilesFacesByPersonAndMatchesKnownPeople) {
  Sandbox box;
  box.add("party/first.jpg", test::demo_rgb(0));
  const auto first = box.beetroot("ingest " + (box.photos / "party").string());
  ASSERT_EQ(first.status, 0) << first.out;
  EXPECT_GE(count(first.out, "NoMatch: idx="), 3u) << first.out;
  EXPECT_GE(count(first.out, "Indexed: idx="), 3u);
  EXPECT_EQ(count(first.out, "Photos: inserted photoId="), 1u);
  EXPECT_NE(first.out.find("DetectFaces: photoId="), std::string::npos);

  // The same people again, mirrored: each face matches and lands in its person's folder.
  const auto again = box.add("again.jpg", flipped(test::demo_rgb(0)));
  const auto second = box.beetroot("ingest " + again.string());
  ASSERT_EQ(second.status, 0) << second.out;
  EXPECT_EQ(count(second.out, "Match: idx="), count(first.out, "Indexed: idx=")) << second.out;
  EXPECT_EQ(count(second.out, "NoMatch"), 0u);
  EXPECT_NE(second.out.find("similarity="), std::string::npos);
  const auto people = json_lines(box.beetroot("people").out);
  ASSERT_EQ(people.size(), count(first.out, "Indexed: idx="));
  for (const auto& p : people) {
    EXPECT_EQ(p["faceCount"], 2);
    EXPECT_EQ(p["photoCount"], 2);
  }
  expect_consistent(box);
  const auto photos = json_lines(box.beetroot("photos").out);
  ASSERT_EQ(photos.size(), 2u);
  EXPECT_EQ(photos[0]["key"], "photos-raw/party/first.jpg");
  EXPECT_EQ(photos[0]["photoId"].get<std::string>().size(), 20u);
}

TEST(Ingest, ReingestingTheSameKeyChangesNothing) {
  Sandbox box;
  const auto photo = box.add("one.jpg", test::demo_rgb(2));
  ASSERT_EQ(box.beetroot("ingest " + photo.string()).status, 0);
  const auto before_photos = box.beetroot("photos").out, before_people = box.beetroot("people").out;
  const auto again = box.beetroot("ingest " + photo.string());
  EXPECT_EQ(again.status, 0);
  EXPECT_EQ(count(again.out, "Photos: already exists; skipping"), 1u) << again.out;
  EXPECT_EQ(count(again.out, "DetectFaces"), 0u);
  EXPECT_EQ(box.beetroot("photos").out, before_photos);
  EXPECT_EQ(box.beetroot("people").out, before_people);
}

TEST(Ingest, BadFilesAreReportedAndTheBatchCompletes) {
  Sandbox box;
  box.add("a.jpg", test::demo_rgb(3));
  std::ofstream(box.photos / "b-broken.jpg") << "not a photo at all";
  const std::string jpeg = read_file_bytes(test::demo_photos()[4].string());
  std::ofstream(box.photos / "c-truncated.jpg", std::ios::binary) << jpeg.substr(0, jpeg.size() / 3);
  box.add("d.png", test::demo_rgb(5));
  const auto r = box.beetroot("ingest " + box.photos.string());
  EXPECT_EQ(r.status, 1) << r.out;
  const auto rows = json_lines(box.beetroot("photos").out);
  ASSERT_EQ(rows.size(), 4u);
  int done = 0, failed = 0;
  for (const auto& row : rows) {
    done += row["status"] == "done";
    if (row["status"] == "failed") {
      ++failed;
      EXPECT_FALSE(row["error"].get<std::string>().empty());
    }
  }
  EXPECT_EQ(done, 2);
  EXPECT_EQ(failed, 2);
  expect_consistent(box);
}

TEST(Ingest, HandlesS3ObjectCreatedEvents) {
  Sandbox box;
  Settings config = box.config();
  {
    Stores s = Stores::open(config);
    s.objects->put(config.raw_bucket, "photos-raw/summer trip/beach.jpg", read_file_bytes(test::demo_photos()[1].string()));
    s.objects->put(config.raw_bucket, "elsewhere/skip.jpg", read_file_bytes(test::demo_photos()[2].string()));
  }
  const auto event = box.root / "event.json";
  std::ofstream(event) << nlohmann::json{
      {"Records",
       {{{"eventName", "ObjectCreated:Put"},
         {"s3", {{"bucket", {{"name", config.raw_bucket}}}, {"object", {{"key", "photos-raw/summer+trip/beach.jpg"}}}}}},
        {{"eventName", "ObjectCreated:Put"},
         {"s3", {{"bucket", {{"name", config.raw_bucket}}}, {"object", {{"key", "elsewhere/skip.jpg"}}}}}}}}};
  const auto r = box.beetroot("handle-event " + event.string());
  EXPECT_EQ(r.status, 0) << r.out;
  const auto rows = json_lines(box.beetroot("photos").out);
  ASSERT_EQ(rows.size(), 1u) << "the key outside RAW_PREFIX is skipped";
  EXPECT_EQ(rows[0]["key"], "photos-raw/summer trip/beach.jpg");
  EXPECT_EQ(rows[0]["status"], "done");
  EXPECT_NE(r.out.find("outside RAW_PREFIX"), std::string::npos);
  std::ofstream(event) << "{\"Records\": 3}";
  EXPECT_EQ(box.beetroot("handle-event " + event.string()).status, 2);
}

// Two photos of the same new people at the same moment: the search-then-index step is atomic.
TEST(Ingest, ConcurrentPhotosOfTheSamePeopleCreateEachPersonOnce) {
  Sandbox box;
  Stores s = Stores::open(box.config());
  FaceEngine& engine = test::engine();
  Pipeline pipeline = s.pipeline(engine);
  std::vector<std::string> copies;
  for (int i = 0; i < 4; ++i) {
    std::vector<uchar> jpeg;
    cv::Mat bgr;
    cv::cvtColor(i % 2 ? flipped(test::demo_rgb(0)) : test::demo_rgb(0), bgr, cv::COLOR_RGB2BGR);
    cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, 80 + i});
    copies.emplace_back(jpeg.begin(), jpeg.end());
  }
  std::vector<std::thread> threads;
  std::vector<IngestResult> results(copies.size());
  for (size_t i = 0; i < copies.size(); ++i)
    threads.emplace_back([&, i] { results[i] = pipeline.ingest_bytes("photos-raw/copy" + std::to_string(i) + ".jpg", copies[i]); });
  for (auto& t : threads) t.join();
  std::set<std::string> persons;
  for (const auto& r : results) {
    ASSERT_EQ(r.outcome, IngestResult::Outcome::Processed);
    for (const auto& f : r.faces) persons.insert(f.person_id);
  }
  EXPECT_EQ(persons.size(), results[0].faces.size());
  expect_consistent(box);
}

// `library scan --watch`: a photo copied into the folder is filed, one deleted is removed, with
// no command run; a folder gone away stops nothing and deletes nothing; SIGTERM ends it cleanly.
TEST(Library, AWatchFollowsTheFolderAndRefusesAnUnmountedOne) {
  const Sandbox box;
  ASSERT_EQ(box.beetroot("library add home " + box.photos.string()).status, 0);
  const pid_t watch = fork();
  if (watch == 0) {
    setenv("BEETROOT_DATA", box.data.c_str(), 1);
    const int log = open((box.root / "watch.log").c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    execl(kBinary.c_str(), kBinary.c_str(), "library", "scan", "--watch", "--workers", "1", static_cast<char*>(nullptr));
    _exit(127);
  }
  auto photo_rows = [&] { return json_lines(box.beetroot("photos").out); };
  auto wait_until = [&](const std::function<bool()>& done) {
    for (int i = 0; i < 600 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return done();
  };
  box.add("2024/party.jpg", test::demo_rgb(1));
  box.add("2024/beach.jpg", test::demo_rgb(2));
  EXPECT_TRUE(wait_until([&] {
    const auto rows = photo_rows();
    return rows.size() == 2 && rows[0]["status"] == "done" && rows[1]["status"] == "done";
  })) << "the photos copied in were not filed";
  nlohmann::json thumbs;
  for (const auto& row : photo_rows())
    if (row["key"] == "2024/party.jpg") thumbs = row["faceThumbKeys"];
  ASSERT_GT(thumbs.size(), 1u);
  fs::remove(box.photos / "2024/party.jpg");
  EXPECT_TRUE(wait_until([&] { return photo_rows().size() == 1; })) << "the photo deleted was not removed";
  for (const auto& key : thumbs) EXPECT_FALSE(fs::exists(box.data / "objects/beetroot-thumbs" / key.get<std::string>()));
  kill(watch, SIGTERM);
  EXPECT_EQ(test::wait_exit(watch), 0);

  fs::rename(box.photos, box.root / "elsewhere");
  const auto refused = box.beetroot("library scan");
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.out.find("nothing was changed"), std::string::npos) << refused.out;
  EXPECT_EQ(photo_rows().size(), 1u);
}

}  // namespace
}  // namespace beetroot
