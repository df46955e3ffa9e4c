// Index snapshots of a face collection: saved, loaded at the next start, with what changed since
// replayed from the store.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <random>
#include <thread>

#include "collection/collections.h"
#include "collection/face_collection.h"
#include "collection/periodic_snapshots.h"
#include "storage/sql/sql_face_store.h"
#include "backends.h"
#include "synthetic_descriptors.h"

namespace beetroot {
namespace {

namespace fs = std::filesystem;

using test::graph_from;
using test::random_vectors;

Descriptor descriptor_from(const std::vector<float>& v, size_t i) {
  Descriptor d;
  std::copy_n(&v[i * 128], 128, d.begin());
  return d;
}

FaceRecord face_of(const Descriptor& d) {
  FaceRecord f;
  f.face_index = 1;
  f.descriptor = d;
  return f;
}


// A scratch database of the backend and an empty snapshot folder, removed afterwards.
class SnapshotOn : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    BEETROOT_REQUIRE_BACKEND(GetParam());
    scratch = std::make_unique<test::ScratchDatabase>(GetParam());
    fs::remove_all(snapshots);
  }
  void TearDown() override { fs::remove_all(snapshots); }

  std::unique_ptr<test::ScratchDatabase> scratch;
  const fs::path snapshots = fs::temp_directory_path() / ("beetroot-snapshots-" + std::to_string(getpid()));
};
INSTANTIATE_TEST_SUITE_P(Backends, SnapshotOn, ::testing::Values("sqlite", "postgres"));

// A restart loads the saved index and replays what others wrote since, instead of reading every
// face; it then decides as one that read every face would.
TEST_P(SnapshotOn, ARestartLoadsTheSnapshotAndReplaysWhatChangedSince) {
  std::mt19937 rng(4);
  const auto vectors = random_vectors(1300, rng);
  const VectorIndexOptions options = graph_from(1000);
  SqlFaceStore store(scratch->connect());
  std::vector<FaceRecord> filed;
  {
    FaceCollection c(store, "people", GroupingRule::Exemplars, options, snapshots);
    for (size_t i = 0; i < 1200; ++i)
      filed.push_back(c.assign("p" + std::to_string(i), {face_of(descriptor_from(vectors, i))}, 99, thumb)[0]);
    c.save_snapshot();
  }
  // Meanwhile another process files 100 more faces, deletes one and moves one.
  {
    SqlFaceStore other_store(scratch->connect());
    FaceCollection other(other_store, "people", GroupingRule::Exemplars, options);
    for (size_t i = 1200; i < 1300; ++i) other.assign("p" + std::to_string(i), {face_of(descriptor_from(vectors, i))}, 99, thumb);
    other.delete_faces({filed[3].face_id});
    other.move_faces({filed[4].face_id}, filed[5].person_id, [](const FaceRecord&) { return std::string("k"); }, [] {});
  }
  FaceCollection restarted(store, "people", GroupingRule::Exemplars, options, snapshots);
  FaceCollection rebuilt(store, "people", GroupingRule::Exemplars, options);  // reads every face
  EXPECT_EQ(restarted.indexed_faces(), 1299u);
  EXPECT_EQ(restarted.indexed_faces(), rebuilt.indexed_faces());
  for (const size_t i : {size_t{0}, size_t{3}, size_t{4}, size_t{1250}, size_t{1299}}) {
    const auto a = restarted.search(descriptor_from(vectors, i), 99.5f, 1), b = rebuilt.search(descriptor_from(vectors, i), 99.5f, 1);
    ASSERT_EQ(a.size(), b.size()) << i;
    if (!a.empty()) {
      EXPECT_EQ(a[0].face_id, b[0].face_id);
      EXPECT_EQ(a[0].person_id, b[0].person_id);
    }
  }
  EXPECT_TRUE(restarted.search(descriptor_from(vectors, 3), 99.5f, 1).empty());  // deleted meanwhile
  EXPECT_EQ(restarted.search(descriptor_from(vectors, 4), 99.5f, 1).at(0).person_id, filed[5].person_id);

  // A damaged snapshot is ignored: the collection reads every face instead.
  for (const auto& e : fs::recursive_directory_iterator(snapshots))
    if (e.path().filename() == "faces") fs::resize_file(e.path(), 100);
  FaceCollection after_damage(store, "people", GroupingRule::Exemplars, options, snapshots);
  EXPECT_EQ(after_damage.indexed_faces(), 1299u);
}

// A process that is killed rather than stopped restarts from the snapshot saved last: the
// periodic save writes one, only of a collection that changed, and a restart loads it.
TEST_P(SnapshotOn, PeriodicSavesLeaveASnapshotARestartLoads) {
  std::mt19937 rng(5);
  const auto vectors = random_vectors(1201, rng);
  const VectorIndexOptions options = graph_from(1000);
  SqlFaceStore store(scratch->connect());
  Collections collections(store, GroupingRule::Exemplars, snapshots, options);
  const auto people = collections.open("people");
  for (size_t i = 0; i < 1200; ++i) people->assign("p" + std::to_string(i), {face_of(descriptor_from(vectors, i))}, 99, thumb);
  EXPECT_TRUE(people->changed_since_snapshot());
  {
    PeriodicSnapshots periodic(collections, std::chrono::milliseconds(20));
    for (int waited = 0; people->changed_since_snapshot() && waited < 3000; ++waited)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(people->changed_since_snapshot());
  EXPECT_TRUE(fs::exists(snapshots / "people.current"));

  FaceCollection restarted(store, "people", GroupingRule::Exemplars, options, snapshots);
  EXPECT_FALSE(restarted.changed_since_snapshot()) << "the restart read every face instead of the snapshot";
  EXPECT_EQ(restarted.indexed_faces(), 1200u);
  EXPECT_EQ(restarted.search(descriptor_from(vectors, 7), 99.5f, 1).at(0).face_id,
            people->search(descriptor_from(vectors, 7), 99.5f, 1).at(0).face_id);
  restarted.assign("p1200", {face_of(descriptor_from(vectors, 1200))}, 99, thumb);
  EXPECT_TRUE(restarted.changed_since_snapshot());
}

}  // namespace
}  // namespace beetroot
