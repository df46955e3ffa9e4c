// Grouping on real photos (../shared/data, where present): one person's photos from different
// sources end in one person, different people stay apart, and the people of a group photo
// are never merged with anyone.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "inference/image.h"
#include "ingest/pipeline.h"
#include "ingest/stores.h"
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

TEST(Grouping, OnePersonAcrossSourcesIsOneAndGroupPhotosStayApart) {
  const auto shared = test::shared_data();
  if (shared.empty()) GTEST_SKIP() << "../shared/data not present";
  const fs::path data = fs::temp_directory_path() / ("beetroot-grouping-" + std::to_string(getpid()));
  fs::remove_all(data);
  Stores stores = Stores::open(IngestConfig::in_folder(data));
  Pipeline pipeline(test::engine(), stores);
  auto photos = photo_set(shared);
  // Interleaved sources, so that each person grows from several directions at once.
  std::sort(photos.begin(), photos.end(), [](const Labelled& a, const Labelled& b) {
    return std::hash<std::string>{}(a.file.string()) < std::hash<std::string>{}(b.file.string());
  });
  std::map<std::string, std::string> identity_of_photo;
  for (const auto& p : photos) {
    const auto r = pipeline.ingest_bytes("photos-raw/" + p.file.filename().string() + "-" +
                                             std::to_string(std::hash<std::string>{}(p.file.string())) + ".jpg",
                                         read_file_bytes(p.file.string()));
    ASSERT_EQ(r.outcome, IngestResult::Outcome::Processed) << p.file;
    if (!p.identity.empty()) EXPECT_EQ(r.faces.size(), 1u) << p.file;
    identity_of_photo[r.photo_id] = p.identity;
  }
  // Persons as they stand after every merge, against who is in each photo.
  std::map<std::string, std::set<std::string>> persons_of_identity, identities_of_person;
  std::map<std::string, int> group_faces_of_person;
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
  fs::remove_all(data);
}

}  // namespace
}  // namespace beetroot
