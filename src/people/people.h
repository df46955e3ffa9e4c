#pragma once
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collection/face_collection.h"
#include "people/thumbnail_layout.h"
#include "storage/object_store.h"
#include "storage/person_table.h"
#include "storage/photo_table.h"

namespace beetroot {

// The people of the ingestion collection as users see and correct them: list, name, hide,
// merge, move a face, say who is not whom, delete a photo. Thumbnails always live in their
// person's folder (THUMBS_PREFIX<personId>/), and the Photos rows always name them.
//
// Every correction is remembered (FaceCollection's UserCorrection): a face moved out of a person,
// or said not to be a person, is held apart from that person's faces, and faces a user placed
// together stay together, whatever ingestion, the automatic merges and recluster decide later. The
// user's latest word wins: merging or moving by hand releases what held those faces apart.
class People {
 public:
  People(FaceCollection& collection, FaceStore& faces, PersonTable& persons, ObjectStore& objects, PhotoTable& photos,
         ThumbnailLayout thumbnails);

  struct Page {
    std::vector<PersonSummary> people;
    int64_t total = 0;
  };
  Page list(PeopleOrder order, const PeopleFilter& filter, size_t offset, size_t limit) const;
  PersonSummary get(const std::string& person_id) const;  // Error NotFound
  std::optional<PersonSummary> find(const std::string& person_id) const;
  // The persons users named or hid: name and hidden only, read without counting any faces.
  std::vector<PersonSummary> named_or_hidden() const;
  std::optional<FaceRecord> face(const std::string& face_id) const;
  std::vector<FaceRecord> faces_of(const std::string& person_id) const;
  std::vector<FaceRecord> faces_of_photo(const std::string& photo_id) const;
  // The photos that show every one of the persons, newest first: when taken where the photo says,
  // else when uploaded. Error NotFound names a person that does not exist.
  struct PhotoPage {
    std::vector<PhotoRow> photos;
    int64_t total = 0;
  };
  PhotoPage photos_with(const std::vector<std::string>& person_ids, size_t offset, size_t limit) const;

  // What a user says of a person at once; each part optional.
  struct Update {
    std::optional<std::string> name;
    std::optional<bool> hidden;
    std::optional<std::string> cover_face_id;  // the face whose thumbnail stands for the person
  };
  // Error NotFound for no such person; InvalidParameter for a cover face that is not theirs,
  // checked before anything changes. Returns the person as it is then.
  PersonSummary update(const std::string& person_id, const Update& update);
  // Deletes one face that is no face (or no one to keep): its thumbnail goes, its photo's row
  // follows, and filing the photo again does not bring it back.
  void delete_face(const std::string& face_id);
  // The survivor keeps its personId; the others' faces and thumbnails move to it.
  PersonSummary merge(const std::string& survivor, const std::vector<std::string>& others);
  // "This face is that person": the face and the faces it was shown with stay together.
  void confirm_face(const std::string& face_id);
  // "These are two people": the persons are never merged, by hand only after this is overruled.
  void keep_apart(const std::string& person_id, const std::string& other_person_id);
  // "This face is not that person": held apart from the person's faces, and moved out to a new
  // person if it is in it. Returns the face's person.
  std::string not_this_person(const std::string& face_id, const std::string& person_id);
  // Linkage rule: merges the person of each filed face with every person average linkage says is
  // the same, one pair at a time (FaceCollection::merge_candidate). Two named persons are left
  // apart: that is the user's call, as are persons a user held apart.
  std::vector<PersonMerge> merge_linked(const std::vector<FaceRecord>& filed, float threshold);
  // Offline repair under the Linkage rule: splits every unnamed person whose faces regroup into
  // several people (the faces a user placed, else the largest group, keep the personId), then
  // merges persons as merge_linked does, over every face.
  struct ReclusterReport {
    int64_t persons_before = 0, persons_after = 0;
    size_t persons_split_off = 0, merges = 0;
  };
  ReclusterReport recluster(float threshold);
  // Moves one face to `person_id`, or to a new person if that is empty; returns the face's person.
  // The face is held apart from the person it leaves and placed in the one it joins.
  std::string move_face(const std::string& face_id, const std::string& person_id);
  // Removes a finished photo: its faces, thumbnails, raw object and row. Error Conflict while the
  // photo is still being ingested.
  void delete_photo(const std::string& photo_id);
  // A finished photo whose file now lies at another bucket and key (a library file moved or
  // renamed): filed again under the photoId of its new place, with its faces, persons, names and
  // corrections, and no detection. Returns the new photoId. Error Conflict while it is pending.
  std::string move_photo(const std::string& photo_id, const std::string& bucket, const std::string& key);

  const ThumbnailLayout& thumbnails() const { return thumbnails_; }

 private:
  void move(const std::vector<FaceRecord>& faces, const std::string& person_id, const UserCorrection& correction = {});
  std::string move_face_locked(const FaceRecord& face, const std::string& person_id);
  std::vector<std::string> face_ids_of(const std::string& person_id) const;
  size_t split_regrouped(const std::string& person_id, float threshold);

  FaceCollection& collection_;
  FaceStore& faces_;
  PersonTable& persons_;
  ObjectStore& objects_;
  PhotoTable& photos_;
  ThumbnailLayout thumbnails_;
  std::mutex mutex_;  // one correction at a time: a rename never interleaves with a merge
};

}  // namespace beetroot
