// Corrections are remembered: what a user separated is never joined again by ingestion, the
// automatic merges or recluster, on every backend, across restarts and snapshots; what a user
// placed together stays together. Each scenario is first run without the correction, to show
// that the grouping would join (or split) them on its own. And the questions that ask for
// corrections ask first where an answer is likeliest to mend something.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <set>
#include <stop_token>
#include <tuple>

#include "base/error.h"
#include "collection/face_collection.h"
#include "collection/similarity.h"
#include "people/people.h"
#include "storage/local/local_object_store.h"
#include "storage/sql/sql_face_store.h"
#include "people/questions.h"
#include "storage/sql/sql_person_table.h"
#include "storage/sql/sql_photo_table.h"
#include "backends.h"
#include "synthetic_descriptors.h"

namespace beetroot {
namespace {

namespace fs = std::filesystem;
constexpr float kThreshold = 95;

using test::at_distance;
using test::random_descriptor;

// A People view over real stores, filing synthetic faces the way ingestion does.
struct Library {
  test::ScratchDatabase scratch;
  fs::path folder = fs::temp_directory_path() / ("beetroot-corrections-" + std::to_string(getpid()));
  std::shared_ptr<SqlDatabase> db = scratch.connect();
  SqlFaceStore store{db};
  SqlPersonTable persons{db};
  LocalObjectStore objects{folder};
  SqlPhotoTable photos{db, "Photos"};
  std::unique_ptr<FaceCollection> collection;
  std::unique_ptr<People> people;
  int photo_count = 0;

  explicit Library(const std::string& backend) : scratch(backend) { reopen(); }
  ~Library() { fs::remove_all(folder); }

  // A restart: the collection's index read again, from its last snapshot where there is one.
  void reopen() {
    people.reset();
    collection = std::make_unique<FaceCollection>(store, "people", GroupingRule::Linkage, VectorIndexOptions{},
                                                  folder / "snapshots");
    people = std::make_unique<People>(*collection, store, persons, objects, photos, ThumbnailLayout{"thumbs", "faces-thumbs/"});
  }

  // Files a photo of one face and merges as ingestion does; returns the face.
  FaceRecord file(const Descriptor& d) {
    FaceRecord f;
    f.face_index = 1;
    f.descriptor = d;
    f.box = {0.1f, 0.1f, 0.2f, 0.2f};
    const std::string photo = "photo" + std::to_string(++photo_count);
    auto filed = collection->assign(photo, {f}, kThreshold, [&](const std::string& person, int index) {
      return people->thumbnails().key(person, photo, index);
    });
    people->merge_linked(filed, kThreshold);
    return filed.front();
  }

  // Files `count` faces, each at `distance` from `centre` in a random direction.
  std::vector<FaceRecord> file_around(const Descriptor& centre, int count, float distance, std::mt19937& rng) {
    std::vector<FaceRecord> out;
    for (int i = 0; i < count; ++i) out.push_back(file(at_distance(centre, distance, rng)));
    return out;
  }

  std::string person_of(const std::string& face_id) const { return collection->face(face_id)->person_id; }
};

class Corrections : public ::testing::TestWithParam<std::string> {
  void SetUp() override { BEETROOT_REQUIRE_BACKEND(GetParam()); }
};
INSTANTIATE_TEST_SUITE_P(Backends, Corrections, ::testing::Values("sqlite", "postgres"));

// Person A of five faces, and a face X near enough to join it. Faces then keep coming between X
// and A, the kind that pulled a face moved out back into its old person.
struct Lookalikes {
  std::mt19937 rng{7};
  Descriptor a = random_descriptor(rng);
  std::vector<FaceRecord> person_a;
  FaceRecord x;

  explicit Lookalikes(Library& library) {
    person_a = library.file_around(a, 5, 0.2f, rng);
    x = library.file(at_distance(a, 0.3f, rng));
  }
  // Faces between X and A, each nearer to X.
  void file_between(Library& library, int count) {
    const Descriptor at_x = library.collection->face(x.face_id)->descriptor;
    for (int i = 0; i < count; ++i) library.file(at_distance(at_x, 0.12f + 0.02f * (i % 3), rng));
  }
  std::string a_id(Library& library) const { return library.person_of(person_a.front().face_id); }
};

TEST_P(Corrections, AFaceMovedOutNeverRejoinsItsOldPerson) {
  {
    // Without the correction: X moved by a plain index move, as an older beetroot did.
    Library library(GetParam());
    Lookalikes faces(library);
    ASSERT_EQ(library.person_of(faces.x.face_id), faces.a_id(library)) << "X joins A when filed";
    library.collection->move_faces({faces.x.face_id}, "elsewhere", [](const FaceRecord&) { return "t"; }, [] {});
    faces.file_between(library, 3);
    EXPECT_EQ(library.person_of(faces.x.face_id), faces.a_id(library)) << "without the correction X rejoins A";
  }
  Library library(GetParam());
  Lookalikes faces(library);
  const std::string a = faces.a_id(library);
  const std::string moved_to = library.people->move_face(faces.x.face_id, "");
  EXPECT_NE(moved_to, a);
  faces.file_between(library, 12);
  EXPECT_NE(library.person_of(faces.x.face_id), faces.a_id(library));
  library.collection->save_snapshot();
  library.reopen();
  faces.file_between(library, 6);
  library.people->recluster(kThreshold);
  EXPECT_NE(library.person_of(faces.x.face_id), faces.a_id(library)) << "after a restart and a recluster";
  for (const auto& f : faces.person_a) EXPECT_EQ(library.person_of(f.face_id), a) << "A itself stays whole";
}

TEST_P(Corrections, NotThisPersonKeepsAFaceOutOfAPersonItWasNeverIn) {
  Library library(GetParam());
  Lookalikes faces(library);
  const std::string a = faces.a_id(library);
  // X's photo is filed again under a new photo (a copy), which joins A; the user says it is not A.
  const FaceRecord copy = library.file(library.collection->face(faces.x.face_id)->descriptor);
  ASSERT_EQ(library.person_of(copy.face_id), a);
  const std::string out = library.people->not_this_person(copy.face_id, a);
  EXPECT_NE(out, a) << "a face said not to be its person leaves it";
  // X itself was never moved: told that X is not A either, it leaves A, and nothing brings either back.
  library.people->not_this_person(faces.x.face_id, a);
  faces.file_between(library, 10);
  library.people->recluster(kThreshold);
  EXPECT_NE(library.person_of(copy.face_id), faces.a_id(library));
  EXPECT_NE(library.person_of(faces.x.face_id), faces.a_id(library));
  EXPECT_THROW(library.people->not_this_person(faces.x.face_id, "no-such-person"), Error);
}

// Two persons a little too far apart to merge, and faces that keep coming between them.
struct NearPair {
  std::mt19937 rng{11};
  Descriptor centre = random_descriptor(rng);
  Descriptor a = at_distance(centre, 0.34f, rng), b = at_distance(centre, 0.34f, rng);
  std::vector<FaceRecord> of_a, of_b;

  explicit NearPair(Library& library) {
    of_a = library.file_around(a, 4, 0.15f, rng);
    of_b = library.file_around(b, 4, 0.15f, rng);
  }
  void file_between(Library& library, int count) { library.file_around(centre, count, 0.12f, rng); }
};

TEST_P(Corrections, TwoPersonsHeldApartAreNeverMerged) {
  {
    Library library(GetParam());
    NearPair pair(library);
    ASSERT_NE(library.person_of(pair.of_a[0].face_id), library.person_of(pair.of_b[0].face_id));
    pair.file_between(library, 6);
    EXPECT_EQ(library.person_of(pair.of_a[0].face_id), library.person_of(pair.of_b[0].face_id))
        << "without the correction the faces between them merge them";
  }
  Library library(GetParam());
  NearPair pair(library);
  library.people->keep_apart(library.person_of(pair.of_a[0].face_id), library.person_of(pair.of_b[0].face_id));
  pair.file_between(library, 20);
  library.reopen();  // no snapshot this time: the rulings are read with every face
  pair.file_between(library, 5);
  library.people->recluster(kThreshold);
  for (const auto& fa : pair.of_a)
    for (const auto& fb : pair.of_b) EXPECT_NE(library.person_of(fa.face_id), library.person_of(fb.face_id));
  EXPECT_THROW(library.people->keep_apart(library.person_of(pair.of_a[0].face_id),
                                          library.person_of(pair.of_a[1].face_id)),
               Error)
      << "a person is not kept apart from itself";
}

TEST_P(Corrections, TheUsersLatestWordWinsAndWhatAUserPlacedStaysTogether) {
  Library library(GetParam());
  NearPair pair(library);
  const std::string a = library.person_of(pair.of_a[0].face_id), b = library.person_of(pair.of_b[0].face_id);
  library.people->keep_apart(a, b);
  // The user changes their mind: a merge by hand joins them, and overrules the ruling.
  library.people->merge(a, {b});
  for (const auto& f : pair.of_b) EXPECT_EQ(library.person_of(f.face_id), a);
  // Far from the rest, a face the user moved in stays: recluster does not split what a user placed.
  std::mt19937 rng(3);
  const FaceRecord stranger = library.file(random_descriptor(rng));
  ASSERT_NE(library.person_of(stranger.face_id), a);
  library.people->move_face(stranger.face_id, a);
  const auto report = library.people->recluster(kThreshold);
  EXPECT_EQ(report.persons_split_off, 0u);
  EXPECT_EQ(library.person_of(stranger.face_id), a);
  for (const auto& f : pair.of_b) EXPECT_EQ(library.person_of(f.face_id), a);
}

// What ingestion files into a placed person without the user's word is still split off when it
// is someone else.
TEST_P(Corrections, ReclusterStillSplitsWhatNoUserPlaced) {
  Library library(GetParam());
  std::mt19937 rng(5);
  const Descriptor a = random_descriptor(rng);
  const auto of_a = library.file_around(a, 3, 0.15f, rng);
  const std::string person = library.person_of(of_a[0].face_id);
  library.collection->correct({{}, {of_a[0].face_id, of_a[1].face_id, of_a[2].face_id}});
  // A stranger put into A by a plain index move (as a wrong automatic decision would be).
  const FaceRecord stranger = library.file(random_descriptor(rng));
  library.collection->move_faces({stranger.face_id}, person, [](const FaceRecord& f) { return f.thumb_key; }, [] {});
  const auto report = library.people->recluster(kThreshold);
  EXPECT_EQ(report.persons_split_off, 1u);
  EXPECT_NE(library.person_of(stranger.face_id), person);
  for (const auto& f : of_a) EXPECT_EQ(library.person_of(f.face_id), person) << "the placed faces keep the person";
}

}  // namespace
}  // namespace beetroot

namespace beetroot {
namespace {

// Whether `q` asks about these two persons, in either order.
bool is_about(const Question& q, const std::string& one, const std::string& other) {
  return std::minmax(q.person_id, q.other_person_id) == std::minmax(one, other);
}

// Pairs of lookalikes of three faces each, left apart when filed.
void file_lookalike_pairs(Library& library, int pairs, std::mt19937& rng) {
  for (int pair = 0; pair < pairs; ++pair) {
    const Descriptor a = random_descriptor(rng), b = at_distance(a, 0.45f, rng);
    library.file_around(a, 3, 0.2f, rng);
    library.file_around(b, 3, 0.2f, rng);
  }
}

// What tells questions apart (kind, persons, face, similarity), in the order asked.
using Listed = std::vector<std::tuple<std::string, std::string, std::string, std::string, float>>;
Listed listed(const std::vector<Question>& questions) {
  Listed out;
  for (const auto& q : questions) out.emplace_back(to_string(q.kind), q.person_id, q.other_person_id, q.face_id, q.similarity);
  return out;
}

// Two persons of eight faces left apart at a mean distance of 85-90 %, and a face alone near one
// of them. Large persons left apart that near are almost never one person (a mean over many faces
// strays little), so the face alone is asked about first, though a yes about the two persons
// would settle more pairs; then the two persons are still asked about.
TEST_P(Corrections, AFaceAloneIsAskedAboutBeforeTwoLargePersonsLeftApart) {
  Library library(GetParam());
  std::mt19937 rng(11);
  const Descriptor a = random_descriptor(rng), b = at_distance(a, 0.5f, rng);
  const auto person_a = library.file_around(a, 8, 0.2f, rng), person_b = library.file_around(b, 8, 0.2f, rng);
  const FaceRecord alone = library.file(at_distance(a, 0.45f, rng));
  const std::string a_id = library.person_of(person_a[0].face_id), b_id = library.person_of(person_b[0].face_id);
  ASSERT_NE(library.person_of(alone.face_id), a_id) << "the face stays alone when filed";
  ASSERT_NE(a_id, b_id);
  Questions questions(*library.people, *library.collection, kThreshold);
  const auto asked = questions.next(10);
  const auto alone_at = std::find_if(asked.begin(), asked.end(), [&](const Question& q) {
    return is_about(q, a_id, library.person_of(alone.face_id));
  });
  const auto pair_at =
      std::find_if(asked.begin(), asked.end(), [&](const Question& q) { return is_about(q, a_id, b_id); });
  ASSERT_NE(alone_at, asked.end());
  ASSERT_NE(pair_at, asked.end());
  EXPECT_GT(pair_at->similarity, 85.f);
  EXPECT_LT(pair_at->similarity, 90.f);
  EXPECT_LT(alone_at - asked.begin(), pair_at - asked.begin()) << "the face alone first";

  questions.answer(*alone_at, true);
  EXPECT_EQ(library.person_of(alone.face_id), a_id);
  const auto next = questions.next(1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_TRUE(is_about(next[0], a_id, b_id)) << "then the two persons";
}

// A face alone near a person of two faces at 85-90 %, and two faces alone at 90-95 %. A face that
// near two or three others is mostly a piece of their person (a library splits one person into such
// pieces), while two faces alone that near are as often strangers: the face beside the person is
// asked about first.
TEST_P(Corrections, AFaceNearAPersonOfTwoIsAskedAboutBeforeTwoFacesAloneNearerEachOther) {
  Library library(GetParam());
  std::mt19937 rng(17);
  const Descriptor a = random_descriptor(rng), b = random_descriptor(rng);
  const FaceRecord a1 = library.file(at_distance(a, 0.2f, rng));
  library.file(at_distance(a, 0.2f, rng));
  const FaceRecord near_a = library.file(at_distance(a, 0.53f, rng));
  const FaceRecord b1 = library.file(b), b2 = library.file(at_distance(b, 0.5f, rng));
  const std::string a_id = library.person_of(a1.face_id), near_a_id = library.person_of(near_a.face_id);
  const std::string b1_id = library.person_of(b1.face_id), b2_id = library.person_of(b2.face_id);
  ASSERT_EQ(library.people->get(a_id).face_count, 2);
  ASSERT_NE(near_a_id, a_id) << "the face stays alone when filed";
  ASSERT_NE(b1_id, b2_id);
  const auto asked = Questions(*library.people, *library.collection, kThreshold).next(10);
  auto asked_about = [&](const std::string& one, const std::string& other) {
    return std::find_if(asked.begin(), asked.end(), [&](const Question& q) { return is_about(q, one, other); });
  };
  const auto piece_at = asked_about(a_id, near_a_id), alone_at = asked_about(b1_id, b2_id);
  ASSERT_NE(piece_at, asked.end());
  ASSERT_NE(alone_at, asked.end());
  EXPECT_GT(piece_at->similarity, 85.f);
  EXPECT_LT(piece_at->similarity, 90.f);
  EXPECT_GT(alone_at->similarity, 90.f);
  EXPECT_LT(alone_at->similarity, 95.f);
  EXPECT_LT(piece_at - asked.begin(), alone_at - asked.begin()) << "the face beside the person first";
}

// A person of six faces close together, and a face filed into it that matches it, but less well
// than any of its own faces: the odd one out is asked about though it is above the threshold (a
// stranger filed into someone else's person looks like this), the person's own faces are not.
TEST_P(Corrections, TheOddFaceOutOfAPersonIsAskedAboutThoughAboveTheThreshold) {
  Library library(GetParam());
  std::mt19937 rng(23);
  const Descriptor a = random_descriptor(rng);
  const FaceRecord first = library.file(at_distance(a, 0.25f, rng));
  library.file_around(a, 5, 0.25f, rng);
  const FaceRecord odd = library.file(at_distance(a, 0.38f, rng));
  const std::string a_id = library.person_of(first.face_id);
  ASSERT_EQ(library.person_of(odd.face_id), a_id) << "the face is filed into the person";
  Questions questions(*library.people, *library.collection, kThreshold);
  const auto asked = questions.next(100);
  std::vector<Question> about_faces;
  for (const auto& q : asked)
    if (q.kind == Question::Kind::BelongsToPerson) about_faces.push_back(q);
  ASSERT_EQ(about_faces.size(), 1u) << "only the odd one out";
  EXPECT_EQ(about_faces[0].face_id, odd.face_id);
  EXPECT_EQ(about_faces[0].person_id, a_id);
  EXPECT_GT(about_faces[0].similarity, kThreshold);

  questions.answer(about_faces[0], false);
  EXPECT_NE(library.person_of(odd.face_id), a_id);
  for (const auto& q : questions.next(100)) EXPECT_NE(q.face_id, odd.face_id) << "not asked again";
}

// A face filed with a stranger's before its own person came, then nearer that person of eight
// than the stranger's face: asked about alone, as that person's, before its person of two is asked
// about as a whole (a "no" to the whole would hold it apart from its own person for good). Yes
// moves it there; no keeps it where it is, held apart; neither is asked again.
TEST_P(Corrections, AFaceNearerAnotherPersonThanItsOwnIsAskedAboutAsThatPersons) {
  for (const bool yes : {true, false}) {
    Library library(GetParam());
    std::mt19937 rng(29);
    const Descriptor a = random_descriptor(rng);
    const Descriptor at_f = at_distance(a, 0.3f, rng);
    // The stranger's face beyond the face, away from the person: near the face only.
    Descriptor at_stranger;
    const float beyond = distance_for_similarity(96) / descriptor_distance(at_f, a);
    for (size_t i = 0; i < a.size(); ++i) at_stranger[i] = at_f[i] + (at_f[i] - a[i]) * beyond;
    const FaceRecord stranger = library.file(at_stranger), face = library.file(at_f);
    const auto person_a = library.file_around(a, 8, 0.2f, rng);
    const std::string pair_id = library.person_of(face.face_id), a_id = library.person_of(person_a[0].face_id);
    ASSERT_EQ(library.person_of(stranger.face_id), pair_id) << "the face joined the stranger's";
    ASSERT_NE(pair_id, a_id);
    ASSERT_EQ(library.people->get(a_id).face_count, 8);

    Questions questions(*library.people, *library.collection, kThreshold);
    const auto asked = questions.next(10);
    ASSERT_FALSE(asked.empty());
    EXPECT_EQ(asked[0].kind, Question::Kind::BelongsToPerson);
    EXPECT_EQ(asked[0].face_id, face.face_id);
    EXPECT_EQ(asked[0].person_id, a_id);
    EXPECT_GT(asked[0].similarity, similarity_from_distance(descriptor_distance(at_f, at_stranger)))
        << "nearer the person than the stranger's face";

    questions.answer(asked[0], yes);
    EXPECT_EQ(library.person_of(face.face_id), yes ? a_id : pair_id);
    EXPECT_EQ(library.person_of(stranger.face_id), pair_id);
    for (const auto& q : questions.next(100)) EXPECT_NE(q.face_id, face.face_id) << "not asked again";
    library.people->merge_linked({library.collection->face(face.face_id).value()}, kThreshold);
    EXPECT_EQ(library.person_of(face.face_id), yes ? a_id : pair_id) << "the answer holds";
  }
}

// Faces alone near a person of eight are asked about in one question, "which of these are
// them?": the chosen ones join the person, the others are kept apart from it and not asked about
// again. A choice that was not offered changes nothing.
TEST_P(Corrections, FacesAloneNearAPersonAreAskedAboutInOneQuestion) {
  Library library(GetParam());
  std::mt19937 rng(11);
  const Descriptor a = random_descriptor(rng);
  const auto person_a = library.file_around(a, 8, 0.2f, rng), alone = library.file_around(a, 4, 0.45f, rng);
  const std::string a_id = library.person_of(person_a[0].face_id);
  std::set<std::string> alone_ids;
  for (const auto& face : alone) alone_ids.insert(library.person_of(face.face_id));
  ASSERT_EQ(alone_ids.size(), 4u) << "each stays alone when filed";
  ASSERT_FALSE(alone_ids.count(a_id));

  Questions questions(*library.people, *library.collection, kThreshold);
  const auto asked = questions.next(10);
  ASSERT_FALSE(asked.empty());
  const Question& which = asked.front();
  ASSERT_EQ(which.kind, Question::Kind::WhichArePerson);
  EXPECT_EQ(which.person_id, a_id);
  EXPECT_EQ(std::set<std::string>(which.candidates.begin(), which.candidates.end()), alone_ids);
  for (const auto& q : asked)
    EXPECT_FALSE(q.kind != Question::Kind::WhichArePerson && alone_ids.count(q.person_id) && q.other_person_id == a_id)
        << "a face in the question is not asked about again on its own";

  const auto before = library.people->list(PeopleOrder::FaceCount, {}, 0, SIZE_MAX).total;
  EXPECT_THROW(questions.answer_which(which, {a_id}), Error);
  EXPECT_THROW(questions.answer(which, true), Error);
  EXPECT_EQ(library.people->list(PeopleOrder::FaceCount, {}, 0, SIZE_MAX).total, before) << "nothing changed";

  const std::string left_out = which.candidates.back();
  std::set<std::string> chosen(which.candidates.begin(), which.candidates.end() - 1);
  std::vector<std::string> was;
  for (const auto& face : alone) was.push_back(library.person_of(face.face_id));
  questions.answer_which(which, chosen);
  for (size_t i = 0; i < alone.size(); ++i)
    EXPECT_EQ(library.person_of(alone[i].face_id), chosen.count(was[i]) ? a_id : left_out);
  EXPECT_EQ(library.people->list(PeopleOrder::FaceCount, {}, 0, SIZE_MAX).total, before - 3);
  EXPECT_EQ(library.people->get(a_id).face_count, 11);
  for (const auto& q : questions.next(100)) {
    EXPECT_FALSE(q.person_id == a_id && std::count(q.candidates.begin(), q.candidates.end(), left_out));
    EXPECT_FALSE(std::minmax(q.person_id, q.other_person_id) == std::minmax(a_id, left_out)) << "the one left out is kept apart";
  }
}

// What users said of persons shapes what is asked: near a named person, whether a face is that
// person; of a hidden person (not worth their time), nothing; taken back, the plain question again.
TEST_P(Corrections, ANamedPersonIsAskedAboutByNameAndAHiddenOneNotAtAll) {
  Library library(GetParam());
  std::mt19937 rng(23);
  const Descriptor a = random_descriptor(rng), b = at_distance(a, 0.5f, rng);
  const auto person_a = library.file_around(a, 4, 0.2f, rng), person_b = library.file_around(b, 4, 0.2f, rng);
  const std::string a_id = library.person_of(person_a[0].face_id), b_id = library.person_of(person_b[0].face_id);
  ASSERT_NE(a_id, b_id);
  Questions questions(*library.people, *library.collection, kThreshold);
  auto about_the_two = [&]() -> std::optional<Question> {
    for (const auto& q : questions.next(100))
      if (is_about(q, a_id, b_id)) return q;
    return std::nullopt;
  };
  const auto plain = about_the_two();
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->kind, Question::Kind::SamePerson);

  library.people->update(b_id, {.name = "Bea"});
  const auto by_name = about_the_two();
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->kind, Question::Kind::IsThisPerson);
  EXPECT_EQ(by_name->other_person_id, b_id) << "whether the unnamed person is the named one";

  library.people->update(a_id, {.hidden = true});
  EXPECT_FALSE(about_the_two()) << "a hidden person is not asked about";

  library.people->update(a_id, {.hidden = false});
  library.people->update(b_id, {.name = ""});
  const auto again = about_the_two();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->kind, Question::Kind::SamePerson);
}

// Persons X and Y of four faces each at 92-95 %, Z a little farther from X, and P and Q, elsewhere,
// a little farther apart still. Nearer is likelier while nothing is known: X-Z is asked about
// before P-Q. Once a user says X and Y are two people, strangers are known to come that near X, and
// X-Z, no nearer than Y, is asked about after P-Q.
TEST_P(Corrections, APairNoNearerThanAStrangerRuledOutIsAskedAboutAfterOthers) {
  Library library(GetParam());
  std::mt19937 rng(23);
  const Descriptor x = random_descriptor(rng), y = at_distance(x, 0.40f, rng), z = at_distance(x, 0.45f, rng);
  const Descriptor p = random_descriptor(rng), q = at_distance(p, 0.455f, rng);
  auto person_around = [&](const Descriptor& centre) {
    const std::string id = library.person_of(library.file_around(centre, 4, 0.2f, rng).front().face_id);
    EXPECT_EQ(library.people->get(id).face_count, 4);
    return id;
  };
  const std::string x_id = person_around(x), y_id = person_around(y), z_id = person_around(z);
  const std::string p_id = person_around(p), q_id = person_around(q);
  Questions questions(*library.people, *library.collection, kThreshold);
  auto find = [](const std::vector<Question>& asked, const std::string& one, const std::string& other) {
    return std::find_if(asked.begin(), asked.end(), [&](const Question& q) { return is_about(q, one, other); }) -
           asked.begin();
  };
  const auto before = questions.next(20);
  const auto xy = find(before, x_id, y_id), xz = find(before, x_id, z_id), pq = find(before, p_id, q_id);
  ASSERT_LT(xy, before.size());
  ASSERT_LT(xz, before.size());
  ASSERT_LT(pq, before.size());
  EXPECT_LT(before[xy].similarity, 95.f);
  EXPECT_GT(before[xy].similarity, before[xz].similarity);
  EXPECT_GT(before[xz].similarity, before[pq].similarity);
  EXPECT_LT(xz, pq) << "the nearer pair first while nothing is known";

  questions.answer(before[xy], false);
  const auto after = questions.next(20);
  EXPECT_EQ(find(after, x_id, y_id), after.size()) << "answered";
  ASSERT_LT(find(after, x_id, z_id), after.size()) << "still asked";
  EXPECT_LT(find(after, p_id, q_id), find(after, x_id, z_id)) << "after the pair no stranger is known to come near";
}

// After answers, the questions are looked for again only around the persons the answers changed
// (a pair held apart, a merge): they are the questions a fresh look at the collection asks.
TEST_P(Corrections, QuestionsAfterAnswersAreThoseOfAFreshLook) {
  Library library(GetParam());
  std::mt19937 rng(5);
  file_lookalike_pairs(library, 20, rng);
  Questions questions(*library.people, *library.collection, kThreshold);
  const auto asked = questions.next(100);
  std::vector<Question> pairs;
  for (const auto& q : asked)
    if (q.kind == Question::Kind::SamePerson) pairs.push_back(q);
  ASSERT_GE(pairs.size(), 10u);
  questions.answer(pairs[0], false);
  questions.answer(pairs[1], true);

  auto as_set = [](const Listed& list) { return std::set(list.begin(), list.end()); };
  const auto after = as_set(listed(questions.next(100)));
  EXPECT_EQ(after, as_set(listed(Questions(*library.people, *library.collection, kThreshold).next(100))));
  const auto same_person = std::count_if(after.begin(), after.end(), [](const auto& q) { return std::get<0>(q) == "same-person"; });
  EXPECT_EQ(same_person, static_cast<long>(pairs.size()) - 2) << "the two answered are not asked again";
  EXPECT_FALSE(after.count({"same-person", pairs[0].person_id, pairs[0].other_person_id, "", pairs[0].similarity}));
}

// A server finds the questions ahead of the first ask, and stops that search when it stops: what
// a stopped search found is not kept (the next ask searches again and finds every question), and a
// finished one gives the questions a fresh look asks.
TEST_P(Corrections, QuestionsFoundAheadAreThoseAskedAndAStoppedSearchKeepsNothing) {
  Library library(GetParam());
  std::mt19937 rng(31);
  file_lookalike_pairs(library, 10, rng);
  const auto fresh = listed(Questions(*library.people, *library.collection, kThreshold).next(100));
  ASSERT_GE(fresh.size(), 10u);

  Questions stopped(*library.people, *library.collection, kThreshold);
  std::stop_source stop;
  stop.request_stop();
  stopped.prepare(stop.get_token());
  EXPECT_EQ(listed(stopped.next(100)), fresh);

  Questions ahead(*library.people, *library.collection, kThreshold);
  ahead.prepare({});
  EXPECT_EQ(listed(ahead.next(100)), fresh);
}

}  // namespace
}  // namespace beetroot
