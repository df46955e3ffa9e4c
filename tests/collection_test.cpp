// The face collection: collections' life cycle, persistence, search-or-index and its rules.
#include <gtest/gtest.h>

#include <random>

#include "collection/face_collection.h"
#include "collection/similarity.h"
#include "inference/face_engine.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/sqlite_face_store.h"

namespace beetroot {
namespace {

namespace fs = std::filesystem;

struct Fixture {
  fs::path dir = fs::temp_directory_path() / ("beetroot-collection-" + std::to_string(getpid()));
  std::shared_ptr<Database> db;
  std::unique_ptr<SqliteFaceStore> store;
  Fixture() {
    fs::remove_all(dir);
    db = std::make_shared<Database>(dir / "db.sqlite");
    store = std::make_unique<SqliteFaceStore>(db);
  }
  ~Fixture() { fs::remove_all(dir); }
};

// A random unit-length descriptor scaled like real ones, and a neighbour at a chosen distance.
Descriptor random_descriptor(std::mt19937& rng) {
  std::normal_distribution<float> n(0, 1);
  Descriptor d;
  float norm = 0;
  for (float& v : d) {
    v = n(rng);
    norm += v * v;
  }
  for (float& v : d) v *= 0.9f / std::sqrt(norm);
  return d;
}
Descriptor at_distance(const Descriptor& d, float distance, std::mt19937& rng) {
  Descriptor direction = random_descriptor(rng), out;
  const float scale = distance / descriptor_distance(direction, Descriptor{});
  for (size_t i = 0; i < d.size(); ++i) out[i] = d[i] + direction[i] * scale;
  return out;
}

FaceRecord face(int index, const Descriptor& d) {
  FaceRecord f;
  f.face_index = index;
  f.descriptor = d;
  f.box = {0.1f, 0.1f, 0.2f, 0.2f};
  f.confidence = 99;
  return f;
}

std::string thumb(const std::string& person, int index) { return "faces-thumbs/" + person + "/p_face_" + std::to_string(index) + ".jpg"; }

TEST(FaceStore, CollectionsAreCreatedDescribedListedAndDeletedWithTheirFaces) {
  Fixture fx;
  EXPECT_TRUE(fx.store->create_collection("family"));
  EXPECT_FALSE(fx.store->create_collection("family"));
  EXPECT_TRUE(fx.store->create_collection("work"));
  EXPECT_EQ(fx.store->list_collections(), (std::vector<std::string>{"family", "work"}));
  std::mt19937 rng(1);
  FaceCollection family(*fx.store, "family");
  family.assign("photo1", {face(1, random_descriptor(rng)), face(2, random_descriptor(rng))}, 95, thumb);
  EXPECT_EQ(fx.store->describe_collection("family")->face_count, 2);
  EXPECT_TRUE(fx.store->delete_collection("family"));
  EXPECT_FALSE(fx.store->describe_collection("family"));
  EXPECT_TRUE(fx.store->faces("family").empty());
  EXPECT_FALSE(fx.store->delete_collection("family"));
}

TEST(FaceCollection, MatchesAboveTheThresholdAndIndexesNewPeople) {
  Fixture fx;
  std::mt19937 rng(2);
  FaceCollection c(*fx.store, "people");
  const Descriptor alice = random_descriptor(rng), bob = random_descriptor(rng);
  const auto first = c.assign("p1", {face(1, alice), face(2, bob)}, 95, thumb);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].person_id, first[0].face_id) << "a new person is named after its first face";
  EXPECT_NE(first[0].person_id, first[1].person_id);
  // Alice again, a little changed (similarity above 95), and a stranger just beyond the threshold.
  const Descriptor alice_again = at_distance(alice, distance_for_similarity(97), rng);
  const Descriptor stranger = at_distance(alice, distance_for_similarity(93), rng);
  const auto second = c.assign("p2", {face(1, alice_again), face(2, stranger)}, 95, thumb);
  EXPECT_EQ(second[0].person_id, first[0].person_id);
  EXPECT_NE(second[1].person_id, first[0].person_id);
  EXPECT_EQ(second[0].thumb_key, thumb(first[0].person_id, 1));
  const auto matches = c.search(alice_again, 95, 10);
  ASSERT_FALSE(matches.empty());
  EXPECT_EQ(matches[0].person_id, first[0].person_id);
  EXPECT_NEAR(matches[0].similarity, 97, 0.1);
}

TEST(FaceCollection, NeverGivesOnePersonTwoFacesOfOnePhoto) {
  Fixture fx;
  std::mt19937 rng(3);
  FaceCollection c(*fx.store, "people");
  const Descriptor twin = random_descriptor(rng);
  const auto first = c.assign("p1", {face(1, twin)}, 95, thumb);
  const auto second = c.assign("p2", {face(1, at_distance(twin, 0.1f, rng)), face(2, at_distance(twin, 0.1f, rng))}, 95, thumb);
  EXPECT_EQ(second[0].person_id, first[0].person_id);
  EXPECT_NE(second[1].person_id, first[0].person_id);
}

TEST(FaceCollection, RetriesReuseWhatTheFirstAttemptStoredAndTheIndexSurvivesARestart) {
  Fixture fx;
  std::mt19937 rng(4);
  const Descriptor d = random_descriptor(rng);
  std::vector<FaceRecord> first;
  {
    FaceCollection c(*fx.store, "people", GroupingRule::Exemplars);
    first = c.assign("p1", {face(1, d)}, 95, thumb);
    const auto retry = c.assign("p1", {face(1, random_descriptor(rng))}, 95, thumb);
    ASSERT_EQ(retry.size(), 1u);
    EXPECT_EQ(retry[0].face_id, first[0].face_id);
    EXPECT_EQ(retry[0].person_id, first[0].person_id);
    EXPECT_EQ(fx.store->faces("people").size(), 1u);
  }
  FaceCollection reopened(*fx.store, "people", GroupingRule::Exemplars);
  EXPECT_EQ(reopened.indexed_faces(), 1u);
  const auto m = reopened.search(d, 99, 1);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].face_id, first[0].face_id);
}

TEST(FaceCollection, TutorialRuleSearchesOnlyFirstFacesExemplarsRuleAll) {
  Fixture fx;
  std::mt19937 rng(5);
  const Descriptor d = random_descriptor(rng);
  FaceCollection tutorial(*fx.store, "t", GroupingRule::Tutorial);
  FaceCollection exemplars(*fx.store, "e", GroupingRule::Exemplars);
  for (auto* c : {&tutorial, &exemplars}) {
    c->assign("p1", {face(1, d)}, 95, thumb);
    c->assign("p2", {face(1, at_distance(d, 0.2f, rng))}, 95, thumb);
  }
  EXPECT_EQ(tutorial.indexed_faces(), 1u);
  EXPECT_EQ(exemplars.indexed_faces(), 2u);
}

}  // namespace
}  // namespace beetroot
