// The face collection: collections' life cycle, persistence, search-or-index and its rules.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <thread>

#include "base/error.h"
#include "collection/face_collection.h"
#include "collection/similarity.h"
#include "inference/face_engine.h"
#include "storage/sql/sql_face_store.h"
#include "storage/sqlite/sqlite_database.h"
#include "backends.h"
#include "synthetic_descriptors.h"

namespace beetroot {
namespace {

namespace fs = std::filesystem;

// One scratch database on the backend under test, with a face store on it.
struct Fixture {
  test::ScratchDatabase scratch;
  std::shared_ptr<SqlDatabase> db;
  std::unique_ptr<SqlFaceStore> store;
  explicit Fixture(const std::string& backend) : scratch(backend) {
    db = scratch.connect();
    store = std::make_unique<SqlFaceStore>(db);
  }
};

// The suites below run against every backend (SQLite, and PostgreSQL where a server is named).
class FaceStoreOn : public ::testing::TestWithParam<std::string> {
  void SetUp() override { BEETROOT_REQUIRE_BACKEND(GetParam()); }
};
class FaceCollectionOn : public FaceStoreOn {};
INSTANTIATE_TEST_SUITE_P(Backends, FaceStoreOn, ::testing::Values("sqlite", "postgres"));
INSTANTIATE_TEST_SUITE_P(Backends, FaceCollectionOn, ::testing::Values("sqlite", "postgres"));

using test::at_distance;
using test::random_descriptor;

FaceRecord face(int index, const Descriptor& d) {
  FaceRecord f;
  f.face_index = index;
  f.descriptor = d;
  f.box = {0.1f, 0.1f, 0.2f, 0.2f};
  f.confidence = 99;
  return f;
}

std::string thumb(const std::string& person, int index) { return "faces-thumbs/" + person + "/p_face_" + std::to_string(index) + ".jpg"; }

TEST_P(FaceStoreOn, CollectionsAreCreatedDescribedListedAndDeletedWithTheirFaces) {
  Fixture fx(GetParam());
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

TEST_P(FaceCollectionOn, MatchesAboveTheThresholdAndIndexesNewPeople) {
  Fixture fx(GetParam());
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

TEST_P(FaceCollectionOn, NeverGivesOnePersonTwoFacesOfOnePhoto) {
  Fixture fx(GetParam());
  std::mt19937 rng(3);
  FaceCollection c(*fx.store, "people");
  const Descriptor twin = random_descriptor(rng);
  const auto first = c.assign("p1", {face(1, twin)}, 95, thumb);
  const auto second = c.assign("p2", {face(1, at_distance(twin, 0.1f, rng)), face(2, at_distance(twin, 0.1f, rng))}, 95, thumb);
  EXPECT_EQ(second[0].person_id, first[0].person_id);
  EXPECT_NE(second[1].person_id, first[0].person_id);
}

TEST_P(FaceCollectionOn, RetriesReuseWhatTheFirstAttemptStoredAndTheIndexSurvivesARestart) {
  Fixture fx(GetParam());
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

TEST_P(FaceCollectionOn, TutorialRuleSearchesOnlyFirstFacesExemplarsRuleAll) {
  Fixture fx(GetParam());
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

TEST_P(FaceCollectionOn, DeletedFacesLeaveTheStoreAndTheIndexAndOthersStayFindable) {
  Fixture fx(GetParam());
  std::mt19937 rng(7);
  FaceCollection c(*fx.store, "api");
  std::vector<FaceRecord> faces;
  for (int i = 1; i <= 5; ++i) faces.push_back(face(i, random_descriptor(rng)));
  const auto indexed = c.index("image-1", faces);
  ASSERT_EQ(c.indexed_faces(), 5u);
  const auto changes = c.delete_faces({indexed[1].face_id, "00000000-0000-4000-8000-000000000000"});
  EXPECT_EQ(changes.changed, std::vector<std::string>{indexed[1].face_id});
  ASSERT_EQ(changes.refused.size(), 1u);
  EXPECT_EQ(changes.refused[0].reason, "FACE_NOT_FOUND");
  EXPECT_EQ(c.indexed_faces(), 4u);
  EXPECT_FALSE(c.face(indexed[1].face_id));
  EXPECT_TRUE(c.search(indexed[1].descriptor, 99, 10).empty());
  for (int i : {0, 2, 3, 4}) {  // the swap that fills the hole keeps every other face where search finds it
    const auto found = c.search(indexed[i].descriptor, 99, 1);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].face_id, indexed[i].face_id);
  }
  FaceCollection reopened(*fx.store, "api");
  EXPECT_EQ(reopened.indexed_faces(), 4u);
}

TEST_P(FaceCollectionOn, UsersGroupMatchingFacesAndKeepTheirFacesFromDeletion) {
  Fixture fx(GetParam());
  std::mt19937 rng(8);
  FaceCollection c(*fx.store, "users");
  const Descriptor alice = random_descriptor(rng), bob = random_descriptor(rng);
  const auto faces = c.index("image", {face(1, alice), face(2, at_distance(alice, 0.3f, rng)), face(3, bob)});
  c.create_user("alice");
  EXPECT_THROW(c.create_user("alice"), Error);
  EXPECT_EQ(c.associate("alice", {faces[0].face_id}, 75).changed.size(), 1u);
  const auto second = c.associate("alice", {faces[1].face_id, faces[2].face_id}, 75);
  EXPECT_EQ(second.changed, std::vector<std::string>{faces[1].face_id});
  ASSERT_EQ(second.refused.size(), 1u);
  EXPECT_EQ(second.refused[0].reason, "LOW_MATCH_CONFIDENCE");

  const auto matches = c.search_users({at_distance(alice, 0.2f, rng)}, 80, 10);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].user_id, "alice");
  EXPECT_EQ(c.delete_faces({faces[0].face_id}).refused.at(0).reason, "ASSOCIATED_TO_AN_EXISTING_USER");

  c.delete_user("alice");
  EXPECT_THROW(c.delete_user("alice"), Error);
  EXPECT_TRUE(c.search_users({alice}, 0, 10).empty());
  EXPECT_EQ(c.delete_faces({faces[0].face_id}).changed.size(), 1u);
}

// Points on a line through `d`: along(d, u, t) is d moved by t along the unit direction u.
Descriptor along(const Descriptor& d, const Descriptor& u, float t) {
  const float length = descriptor_distance(u, Descriptor{});
  Descriptor out;
  for (size_t i = 0; i < d.size(); ++i) out[i] = d[i] + u[i] * t / length;
  return out;
}

// a and b 0.6 apart (two persons at 95), then c halfway: c joins one, and the mean distance
// between the two persons' faces, 0.45, now passes for a decision on two pairs.
TEST_P(FaceCollectionOn, LinkageJoinsByMeanDistanceAndMergesPersonsAFaceBridges) {
  Fixture fx(GetParam());
  std::mt19937 rng(11);
  const Descriptor d = random_descriptor(rng), u = random_descriptor(rng);
  FaceCollection c(*fx.store, "l", GroupingRule::Linkage);
  const auto a = c.assign("pa", {face(1, along(d, u, 0.3f))}, 95, thumb);
  const auto b = c.assign("pb", {face(1, along(d, u, -0.3f))}, 95, thumb);
  EXPECT_NE(a[0].person_id, b[0].person_id);
  EXPECT_FALSE(c.merge_candidate(b[0], 95)) << "one pair 0.6 apart is two people";
  const auto m = c.assign("pc", {face(1, d)}, 95, thumb);
  EXPECT_TRUE(m[0].person_id == a[0].person_id || m[0].person_id == b[0].person_id);
  const auto merge = c.merge_candidate(m[0], 95);
  ASSERT_TRUE(merge);
  EXPECT_EQ(merge->survivor, m[0].person_id) << "the person with two faces survives";
  EXPECT_EQ(merge->absorbed, m[0].person_id == a[0].person_id ? b[0].person_id : a[0].person_id);
  EXPECT_FALSE(c.merge_candidate(m[0], 99)) << "a stricter threshold keeps them apart";
}

TEST_P(FaceCollectionOn, LinkageNeverMergesPersonsOfOnePhoto) {
  Fixture fx(GetParam());
  std::mt19937 rng(12);
  const Descriptor d = random_descriptor(rng), u = random_descriptor(rng);
  FaceCollection c(*fx.store, "l", GroupingRule::Linkage);
  const auto ab = c.assign("pab", {face(1, along(d, u, 0.3f)), face(2, along(d, u, -0.3f))}, 95, thumb);
  EXPECT_NE(ab[0].person_id, ab[1].person_id);
  const auto m = c.assign("pc", {face(1, d)}, 95, thumb);
  EXPECT_FALSE(c.merge_candidate(m[0], 95));
}

// Across hundreds of persons (looked around on every core), each pair of lookalikes is found once,
// at the similarity of its distance, and no stranger is near anyone.
TEST_P(FaceCollectionOn, NearPersonsAcrossManyPersonsAreEachFoundOnce) {
  Fixture fx(GetParam());
  std::mt19937 rng(14);
  FaceCollection c(*fx.store, "l", GroupingRule::Linkage);
  std::map<std::pair<std::string, std::string>, float> lookalikes;  // by personIds in order: the expected similarity
  for (int i = 0; i < 300; ++i) {
    const Descriptor a = random_descriptor(rng), b = at_distance(a, 0.55f + 0.001f * static_cast<float>(i % 100), rng);
    const auto one = c.index("a" + std::to_string(i), {face(1, a)}), other = c.index("b" + std::to_string(i), {face(1, b)});
    lookalikes[std::minmax(one[0].person_id, other[0].person_id)] = similarity_from_distance(descriptor_distance(a, b));
  }
  const auto near = c.near_persons(60);
  std::map<std::pair<std::string, std::string>, float> found;
  for (const auto& n : near) {
    ASSERT_LT(n.person_id, n.other_person_id);
    EXPECT_TRUE(found.emplace(std::make_pair(n.person_id, n.other_person_id), n.similarity).second) << "found twice";
  }
  ASSERT_EQ(found.size(), lookalikes.size());
  for (const auto& [pair, similarity] : lookalikes) {
    ASSERT_TRUE(found.count(pair)) << pair.first << " " << pair.second;
    EXPECT_NEAR(found.at(pair), similarity, 0.01f);
  }
}

// Two people wrongly filed as one regroup into two; one person stays whole.
TEST_P(FaceCollectionOn, RegroupSeparatesTwoPeopleFiledAsOne) {
  Fixture fx(GetParam());
  std::mt19937 rng(13);
  FaceCollection c(*fx.store, "l", GroupingRule::Linkage);
  const Descriptor x = random_descriptor(rng), y = random_descriptor(rng);
  std::vector<std::string> xs, ys;
  std::string x_person;
  for (int i = 0; i < 4; ++i) {
    const auto fx_face = c.assign("x" + std::to_string(i), {face(1, at_distance(x, 0.2f, rng))}, 95, thumb);
    const auto fy_face = c.assign("y" + std::to_string(i), {face(1, at_distance(y, 0.2f, rng))}, 95, thumb);
    x_person = fx_face[0].person_id;
    xs.push_back(fx_face[0].face_id);
    ys.push_back(fy_face[0].face_id);
  }
  ASSERT_EQ(c.regroup(x_person, 95, 100).size(), 1u);
  c.move_faces(ys, x_person, [](const FaceRecord& f) { return thumb(f.person_id, f.face_index); }, [] {});
  const auto groups = c.regroup(x_person, 95, 100);
  ASSERT_EQ(groups.size(), 2u);
  auto sorted = [](std::vector<std::string> v) { return std::sort(v.begin(), v.end()), v; };
  const auto first = sorted(groups[0]), second = sorted(groups[1]);
  EXPECT_TRUE((first == sorted(xs) && second == sorted(ys)) || (first == sorted(ys) && second == sorted(xs)));
  EXPECT_EQ(c.regroup(x_person, 95, 7).size(), 1u) << "persons over the size limit are left whole";
}

}  // namespace
}  // namespace beetroot

namespace beetroot {
namespace {

// Two processes' collections on one database: each decides with what the other filed, moved and deleted.
TEST_P(FaceCollectionOn, EachConnectionSeesWhatAnotherFiledMovedAndDeleted) {
  Fixture fx(GetParam());
  SqlFaceStore other_store(fx.scratch.connect());
  std::mt19937 rng(11);
  FaceCollection a(*fx.store, "people", GroupingRule::Linkage);
  FaceCollection b(other_store, "people", GroupingRule::Linkage);
  const Descriptor alice = random_descriptor(rng), bob = random_descriptor(rng);
  const auto filed = a.assign("p1", {face(1, alice)}, 95, thumb);
  // b loaded its index before p1 existed, yet files Alice's next photo under her person.
  const auto next = b.assign("p2", {face(1, at_distance(alice, 0.05f, rng))}, 95, thumb);
  EXPECT_EQ(next[0].person_id, filed[0].person_id);
  const auto bobs = b.assign("p3", {face(1, bob)}, 95, thumb);

  a.move_faces({filed[0].face_id}, bobs[0].person_id, [](const FaceRecord&) { return std::string("k.jpg"); }, [] {});
  auto found = b.search(alice, 0, 10);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].face_id, filed[0].face_id);
  EXPECT_EQ(found[0].person_id, bobs[0].person_id);

  a.delete_faces({filed[0].face_id});
  found = b.search(alice, 0, 10);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].face_id, next[0].face_id);
  EXPECT_EQ(b.indexed_faces(), 2u);
}

// Writers on separate connections file photos of one person at once: the search-then-index step is
// atomic across connections, so exactly one person comes out.
TEST_P(FaceCollectionOn, ConcurrentWritersOnSeparateConnectionsNeverCreateAPersonTwice) {
  Fixture fx(GetParam());
  constexpr int kWriters = 4, kPhotos = 8;
  std::mt19937 rng(12);
  const Descriptor alice = random_descriptor(rng);
  std::vector<std::vector<Descriptor>> photos(kWriters);
  for (auto& w : photos)
    for (int p = 0; p < kPhotos; ++p) w.push_back(at_distance(alice, 0.05f, rng));
  FaceCollection(*fx.store, "people", GroupingRule::Linkage);  // the collection exists before the writers start
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      SqlFaceStore store(fx.scratch.connect());
      FaceCollection c(store, "people", GroupingRule::Linkage);
      for (int p = 0; p < kPhotos; ++p)
        c.assign("w" + std::to_string(w) + "p" + std::to_string(p), {face(1, photos[w][p])}, 95, thumb);
    });
  for (auto& t : writers) t.join();
  const auto faces = fx.store->faces("people");
  ASSERT_EQ(faces.size(), static_cast<size_t>(kWriters * kPhotos));
  for (const auto& f : faces) EXPECT_EQ(f.person_id, faces.front().person_id) << f.photo_id;
}

}  // namespace
}  // namespace beetroot
