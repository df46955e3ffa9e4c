// Libraries indexed in place: a scan files new photos where they lie, follows moved ones with no
// detection (persons, names and corrections kept), removes deleted ones with their faces and
// thumbnails, and refuses to delete anything when the folder looks unmounted. On real photos,
// real stores, each backend.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "app/stores.h"
#include "base/error.h"
#include "ingest/library_scan.h"
#include "backends.h"
#include "test_support.h"

namespace beetroot {
namespace {

namespace fs = std::filesystem;

// LFW photos of people with several photos, in a stable order.
std::vector<fs::path> lfw_photos(size_t count) {
  std::vector<fs::path> out;
  const auto lfw = test::shared_data() / "lfw/lfw-deepfunneled";
  std::vector<fs::path> people;
  for (const auto& e : fs::directory_iterator(lfw)) people.push_back(e.path());
  std::sort(people.begin(), people.end());
  for (const auto& person : people) {
    std::vector<fs::path> photos;
    for (const auto& e : fs::directory_iterator(person)) photos.push_back(e.path());
    if (photos.size() < 4) continue;
    std::sort(photos.begin(), photos.end());
    for (const auto& p : photos) {
      if (out.size() == count) return out;
      out.push_back(p);
    }
  }
  return out;
}

class LibraryScanOn : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    BEETROOT_REQUIRE_BACKEND(GetParam());
    if (test::shared_data().empty()) GTEST_SKIP() << "../shared/data not present";
    scratch = std::make_unique<test::ScratchDatabase>(GetParam());
    box = test::scratch_folder("library");
    fs::remove_all(box);
    fs::create_directories(root());
    Settings config = Settings::in_folder(box / "data");
    config.database_url = scratch->url();
    stores = std::make_unique<Stores>(Stores::open(config));
    pipeline.reset(new Pipeline(stores->pipeline(test::engine(Alignment::Rotation, /*multi_pass=*/false))));
    scanner = std::make_unique<LibraryScan>(*stores->libraries, *stores->photos, *stores->people, pipeline.get(), nullptr);
    stores->libraries->add({"family", root().string(), utc_now_iso8601()});
  }
  void TearDown() override {
    scanner.reset();
    pipeline.reset();
    stores.reset();
    scratch.reset();
    fs::remove_all(box);
  }

  fs::path root() const { return box / "photos"; }
  ScanReport scan(bool accept_empty = false) {
    ScanOptions options;
    options.workers = 2;
    options.accept_empty = accept_empty;
    return scanner->scan(*stores->libraries->get("family"), options);
  }
  void place(const fs::path& from, const std::string& relative) {
    fs::create_directories((root() / relative).parent_path());
    fs::copy_file(from, root() / relative, fs::copy_options::overwrite_existing);
  }
  std::vector<FaceRecord> all_faces() const { return stores->faces->faces(stores->collection->id()); }
  // Every photo's thumbnails exist, and no thumbnail exists that no photo names.
  void expect_thumbnails_consistent() const {
    std::set<std::string> named;
    for (const auto& row : stores->photos->list())
      for (const auto& key : row.face_thumb_keys) {
        named.insert(key);
        EXPECT_TRUE(stores->objects->exists(stores->config.thumbs_bucket, key)) << key;
      }
    for (const auto& key : stores->objects->list(stores->config.thumbs_bucket, ""))
      EXPECT_TRUE(named.count(key)) << "orphaned thumbnail " << key;
  }

  std::unique_ptr<test::ScratchDatabase> scratch;
  fs::path box;
  std::unique_ptr<Stores> stores;
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<LibraryScan> scanner;
};
INSTANTIATE_TEST_SUITE_P(Backends, LibraryScanOn, ::testing::Values("sqlite", "postgres"));

TEST_P(LibraryScanOn, AMovedFolderKeepsEveryPersonNameAndCorrectionAndDetectsNothingAgain) {
  const size_t count = test::sanitized() ? 60 : 200;
  const auto photos = lfw_photos(count);
  ASSERT_EQ(photos.size(), count);
  for (const auto& p : photos) place(p, "2019/" + p.parent_path().filename().string() + "/" + p.filename().string());
  const ScanReport first = scan();
  ASSERT_TRUE(first.failures.empty()) << first.failures[0].path << ": " << first.failures[0].reason;
  EXPECT_EQ(first.added, count);
  EXPECT_EQ(first.photos_detected, static_cast<int64_t>(count));
  EXPECT_EQ(stores->config.raw_bucket.empty() || stores->objects->list(stores->config.raw_bucket, "").empty(), true)
      << "a library is never copied";

  // A name, and a correction: one face of the largest person moved out to a person of its own.
  const auto largest = stores->people->list(PeopleOrder::FaceCount, {}, 0, 1).people.at(0);
  ASSERT_GE(largest.face_count, 3);
  stores->people->update(largest.person_id, {.name = "Grandma"});
  const auto grandma_faces = stores->people->faces_of(largest.person_id);
  const std::string moved_out = grandma_faces.back().face_id;
  const std::string own_person = stores->people->move_face(moved_out, "");
  std::map<std::string, std::string> person_of_face;
  for (const auto& f : all_faces()) person_of_face[f.face_id] = f.person_id;

  fs::create_directories(root() / "archive");
  fs::rename(root() / "2019", root() / "archive/2019");
  const ScanReport moved = scan();
  EXPECT_TRUE(moved.failures.empty());
  EXPECT_EQ(moved.moved, count);
  EXPECT_EQ(moved.added + moved.deleted + moved.changed, 0u);
  EXPECT_EQ(moved.photos_detected, 0) << "a moved photo is never detected again";

  std::map<std::string, std::string> after;
  for (const auto& f : all_faces()) {
    after[f.face_id] = f.person_id;
    const auto row = stores->photos->get(f.photo_id);
    ASSERT_TRUE(row) << f.face_id;
    EXPECT_TRUE(row->key.starts_with("archive/2019/")) << row->key;
  }
  EXPECT_EQ(after, person_of_face) << "every face keeps its person";
  EXPECT_EQ(stores->people->get(largest.person_id).name, "Grandma");
  EXPECT_EQ(stores->photos->list().size(), count);
  expect_thumbnails_consistent();

  // The correction moved with the photos: the face moved out is still held apart from its old person.
  std::vector<std::string> grandma_ids;
  for (const auto& f : stores->people->faces_of(largest.person_id)) grandma_ids.push_back(f.face_id);
  EXPECT_FALSE(stores->collection->apart_between({moved_out}, grandma_ids).empty());
  EXPECT_EQ(stores->collection->face(moved_out)->person_id, own_person);

  // A new photo where a moved one was: its own faces, no clash with the ids the moved ones kept.
  const size_t faces_before = all_faces().size();
  place(photos[count - 1], "2019/" + photos[0].parent_path().filename().string() + "/" + photos[0].filename().string());
  const ScanReport refill = scan();
  EXPECT_TRUE(refill.failures.empty()) << refill.failures[0].reason;
  EXPECT_EQ(refill.added, 1u);
  EXPECT_EQ(refill.photos_detected, 1);
  EXPECT_GT(all_faces().size(), faces_before);
  expect_thumbnails_consistent();
}

TEST_P(LibraryScanOn, DeletedPhotosLeaveNothingBehindAndAnUnmountedRootDeletesNothing) {
  const auto photos = lfw_photos(24);
  for (size_t i = 0; i < photos.size(); ++i) place(photos[i], (i < 12 ? "kept/" : "gone/") + std::to_string(i) + ".jpg");
  ASSERT_EQ(scan().added, 24u);
  std::set<std::string> gone_photos;
  for (const auto& row : stores->photos->list())
    if (row.key.starts_with("gone/")) gone_photos.insert(row.photo_id);
  std::set<std::string> persons_only_in_gone;
  for (const auto& p : stores->people->list(PeopleOrder::FaceCount, {}, 0, 1000).people) {
    const auto faces = stores->people->faces_of(p.person_id);
    if (std::all_of(faces.begin(), faces.end(), [&](const FaceRecord& f) { return gone_photos.count(f.photo_id); }))
      persons_only_in_gone.insert(p.person_id);
  }
  ASSERT_FALSE(persons_only_in_gone.empty());

  // Unmounted: the root missing, or an empty folder where it was. Nothing may go.
  const size_t faces_before = all_faces().size();
  fs::rename(root(), box / "unmounted");
  EXPECT_THROW(scan(), Error);
  fs::create_directories(root());
  try {
    scan();
    ADD_FAILURE() << "an empty root was taken for a library with every photo deleted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("accept-empty"), std::string::npos) << e.what();
  }
  EXPECT_EQ(all_faces().size(), faces_before);
  EXPECT_EQ(stores->photos->list().size(), 24u);
  fs::remove(root());
  fs::rename(box / "unmounted", root());

  fs::remove_all(root() / "gone");
  const ScanReport report = scan();
  EXPECT_EQ(report.deleted, 12u);
  EXPECT_EQ(report.unchanged, 12u);
  for (const auto& f : all_faces()) EXPECT_FALSE(gone_photos.count(f.photo_id)) << f.face_id;
  for (const auto& id : gone_photos) EXPECT_FALSE(stores->photos->get(id)) << id;
  for (const auto& id : persons_only_in_gone) EXPECT_FALSE(stores->persons->person(stores->collection->id(), id)) << id;
  expect_thumbnails_consistent();

  fs::remove_all(root() / "kept");
  EXPECT_EQ(scan(true).deleted, 12u);
  EXPECT_TRUE(all_faces().empty());
  EXPECT_TRUE(stores->objects->list(stores->config.thumbs_bucket, "").empty());
}

TEST_P(LibraryScanOn, ChangedContentIsFiledAgainATouchedFileIsNot) {
  const auto photos = lfw_photos(2);
  place(photos[0], "a.jpg");
  ASSERT_EQ(scan().added, 1u);
  const std::string photo_id = photo_id_for("family", "a.jpg");
  const auto before = stores->faces->faces_of_photo(stores->collection->id(), photo_id);
  ASSERT_FALSE(before.empty());

  fs::last_write_time(root() / "a.jpg", fs::last_write_time(root() / "a.jpg") + std::chrono::hours(1));
  const ScanReport touched = scan();
  EXPECT_EQ(touched.unchanged, 1u);
  EXPECT_EQ(touched.photos_detected, 0);

  place(photos[1], "a.jpg");  // another photo saved over it
  const ScanReport changed = scan();
  EXPECT_EQ(changed.changed, 1u);
  EXPECT_EQ(changed.photos_detected, 1);
  const auto after = stores->faces->faces_of_photo(stores->collection->id(), photo_id);
  ASSERT_FALSE(after.empty());
  EXPECT_NE(after[0].descriptor, before[0].descriptor);
  EXPECT_EQ(scan().unchanged, 1u);
  expect_thumbnails_consistent();
}

}  // namespace
}  // namespace beetroot
