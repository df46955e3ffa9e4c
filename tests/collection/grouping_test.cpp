// Grouping on real photos (../shared/data, where present): one person's photos from different
// sources end in one person, different people stay apart, and the people of a group photo
// are never merged with anyone.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "app/stores.h"
#include "inference/image.h"
#include "ingest/pipeline.h"
#include "test_support.h"

namespace beetroot {
namespace {

namespace fs = std::filesystem;

struct Labelled {
  fs::path file;
  std::string identity;  // "" for a group photo: its people are in no other photo of the set
};

std::vector<Labelled> photo_set(const fs::path& shared) {
  const fs::path faces = shared / "faces", lfw = shared / "lfw/lfw-deepfunneled";
  std::vector<Labelled> set;
  // Biden from three sources: face_recognition's photos, the same stored with EXIF rotations, and LFW.
  for (const char* name : {"biden.jpg", "biden2.jpg"})
    set.push_back({faces / "face_recognition/examples/knn_examples/train/biden" / name, "biden"});
  for (int o = 2; o <= 8; ++o)
    set.push_back({faces / "derived-exif-rotated" / ("biden_orientation_" + std::to_string(o) + ".jpg"), "biden"});
  // Not Joseph_Biden_0002: ten years younger, and it stays a person of its own (with a second face).
  for (int i : {1, 3, 4, 5})
    set.push_back({lfw / "Joseph_Biden" / ("Joseph_Biden_000" + std::to_string(i) + ".jpg"), "biden"});
  // Five men called John, eleven crops each.
  for (const auto& person : fs::directory_iterator(faces / "dlib/examples/johns"))
    for (const auto& photo : fs::directory_iterator(person.path()))
      set.push_back({photo.path(), person.path().filename().string()});
  // insightface's t1.jpg is the same cast as multiface.jpg, so only one of them.
  for (const char* group : {"vladmandic-human/samples/in/solvay1927.jpg", "facenet-pytorch/data/multiface.jpg"})
    set.push_back({faces / group, ""});
  return set;
}

// Embedded stores in a fresh folder (removed afterwards) and the pipeline that files into them.
struct Library {
  fs::path data = test::scratch_folder("grouping");
  Stores stores;
  Pipeline pipeline;
  explicit Library(float match_threshold = Settings{}.match_threshold)
      : stores((fs::remove_all(data), Stores::open(settings(data, match_threshold)))),
        pipeline(stores.pipeline(test::engine())) {}
  ~Library() { fs::remove_all(data); }

  static Settings settings(const fs::path& data, float match_threshold) {
    auto s = Settings::in_folder(data);
    s.match_threshold = match_threshold;
    return s;
  }
};

TEST(Grouping, OnePersonAcrossSourcesIsOneAndGroupPhotosStayApart) {
  const auto shared = test::shared_data();
  if (shared.empty()) GTEST_SKIP() << "../shared/data not present";
  Library library;
  auto photos = photo_set(shared);
  // Interleaved sources, so that each person grows from several directions at once.
  std::sort(photos.begin(), photos.end(), [](const Labelled& a, const Labelled& b) {
    return std::hash<std::string>{}(a.file.string()) < std::hash<std::string>{}(b.file.string());
  });
  std::map<std::string, std::string> identity_of_photo;
  for (const auto& p : photos) {
    const auto r = library.pipeline.ingest_bytes("photos-raw/" + p.file.filename().string() + "-" +
                                             std::to_string(std::hash<std::string>{}(p.file.string())) + ".jpg",
                                         read_file_bytes(p.file.string()));
    ASSERT_EQ(r.outcome, IngestResult::Outcome::Processed) << p.file;
    if (!p.identity.empty()) {
      EXPECT_EQ(r.faces.size(), 1u) << p.file;
    }
    identity_of_photo[r.photo_id] = p.identity;
  }
  // Persons as they stand after every merge, against who is in each photo.
  std::map<std::string, std::set<std::string>> persons_of_identity, identities_of_person;
  const Stores& stores = library.stores;
  for (const auto& f : stores.faces->faces(stores.collection->id())) {
    const std::string& identity = identity_of_photo.at(f.photo_id);
    const std::string label = identity.empty() ? "group " + f.photo_id + " face " + std::to_string(f.face_index) : identity;
    persons_of_identity[label].insert(f.person_id);
    identities_of_person[f.person_id].insert(label);
  }
  for (const auto& [identity, persons] : persons_of_identity)
    EXPECT_EQ(persons.size(), 1u) << identity << " is split into " << persons.size() << " persons";
  for (const auto& [person, identities] : identities_of_person) {
    std::string names;
    for (const auto& i : identities) names += i + "; ";
    EXPECT_EQ(identities.size(), 1u) << "person " << person << " merges " << names;
  }
  EXPECT_GE(persons_of_identity.size(), 6u + 29u) << "Biden, five Johns and the 29 people of Solvay 1927 at least";
  std::cout << persons_of_identity.size() << " people filed as " << identities_of_person.size() << " persons\n";
}

// A wrong merge of two people (ingestion at a far too loose threshold) is undone by `beetroot
// recluster` at the default one: each gets its own person again, with every thumbnail in its
// person's folder and the Photos rows naming them.
TEST(Grouping, ReclusterSplitsAWrongMergeAndMovesTheThumbnails) {
  const auto shared = test::shared_data();
  if (shared.empty()) GTEST_SKIP() << "../shared/data not present";
  Library library(10);
  Stores& stores = library.stores;
  std::map<std::string, std::string> person_of_john;
  for (const char* john : {"John_Salley", "John_Simm"})
    for (const auto& photo : fs::directory_iterator(shared / "faces/dlib/examples/johns" / john)) {
      const auto file = photo.path();
      const auto r = library.pipeline.ingest_bytes("photos-raw/" + std::string(john) + "/" + file.filename().string(),
                                           read_file_bytes(file.string()));
      ASSERT_EQ(r.faces.size(), 1u) << file;
      person_of_john[john] = r.faces[0].person_id;
    }
  People& people = *stores.people;
  ASSERT_EQ(people.list(PeopleOrder::FaceCount, {}, 0, 10).total, 1) << "at 10 % the two Johns are one person";

  const auto report = people.recluster(Settings{}.match_threshold);
  EXPECT_EQ(report.persons_split_off, 1u);
  EXPECT_EQ(report.persons_after, 2);
  std::map<std::string, std::set<std::string>> johns_of_person;
  for (const auto& f : stores.faces->faces(stores.collection->id())) {
    const auto row = stores.photos->get(f.photo_id);
    ASSERT_TRUE(row);
    johns_of_person[f.person_id].insert(row->key.find("Salley") != std::string::npos ? "Salley" : "Simm");
    EXPECT_EQ(f.thumb_key, people.thumbnails().key(f.person_id, f.photo_id, f.face_index));
    EXPECT_TRUE(stores.objects->get(stores.config.thumbs_bucket, f.thumb_key)) << f.thumb_key;
    EXPECT_EQ(row->face_thumb_keys, std::vector<std::string>{f.thumb_key});
  }
  ASSERT_EQ(johns_of_person.size(), 2u);
  for (const auto& [person, johns] : johns_of_person) EXPECT_EQ(johns.size(), 1u) << person;
}

}  // namespace
}  // namespace beetroot
