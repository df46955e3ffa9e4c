#pragma once
#include <functional>
#include <optional>
#include <set>
#include <vector>

#include "collection/face_record.h"

namespace beetroot {

// What changed in a collection after a revision: its faces' current records (inserted, moved,
// associated, confirmed), the faces deleted since, and the pairs of faces ruled on, in order.
struct CollectionDelta {
  int64_t revision = 0;  // the collection's revision these changes bring a reader to
  std::vector<FaceRecord> upserted;
  std::vector<std::string> deleted;
  std::vector<FacePairRuling> rulings;
};

// Where collections and their faces are persisted.
//
// Every change to a collection's faces is one write: a transaction that first takes the
// collection's write lock and its next revision, so writers in all processes take turns, and each
// changed face is stamped with that revision. A process's in-memory index catches up with what
// others wrote by asking for the changes after the revision it has seen.
class FaceStore {
 public:
  virtual ~FaceStore() = default;
  virtual bool create_collection(const std::string& id) = 0;  // false if it exists
  virtual std::optional<CollectionInfo> describe_collection(const std::string& id) const = 0;
  virtual std::vector<std::string> list_collections() const = 0;
  virtual bool delete_collection(const std::string& id) = 0;  // with its faces

  // Runs `body` as one write to the collection (see above); the face changes inside it, directly or
  // through the methods below, carry the revision `body` is given. Nested writes join the outer one.
  virtual void write(const std::string& collection_id, const std::function<void(int64_t revision)>& body) = 0;
  virtual int64_t revision(const std::string& collection_id) const = 0;
  virtual CollectionDelta changes_since(const std::string& collection_id, int64_t revision) const = 0;

  virtual std::vector<FaceRecord> faces(const std::string& collection_id) const = 0;
  virtual std::vector<FaceRecord> faces_of_photo(const std::string& collection_id, const std::string& photo_id) const = 0;
  // Inserts all faces of one photo in one transaction: a photo's faces land together or not at all.
  virtual void insert_faces(const std::string& collection_id, const std::vector<FaceRecord>& faces) = 0;
  virtual std::vector<FaceRecord> faces_by_id(const std::string& collection_id,
                                              const std::vector<std::string>& face_ids) const = 0;
  // One page in FaceId order, starting after `after_face_id` ("" for the first page).
  virtual std::vector<FaceRecord> faces_page(const std::string& collection_id, const std::string& after_face_id,
                                             size_t limit) const = 0;
  virtual void delete_faces(const std::string& collection_id, const std::vector<std::string>& face_ids) = 0;

  // The cloud API's users: named groups of faces of one person.
  virtual bool create_user(const std::string& collection_id, const std::string& user_id) = 0;  // false if it exists
  virtual bool user_exists(const std::string& collection_id, const std::string& user_id) const = 0;
  // Deletes the user and clears its faces' association; false if there was no such user.
  virtual bool delete_user(const std::string& collection_id, const std::string& user_id) = 0;
  virtual std::vector<std::string> users_page(const std::string& collection_id, const std::string& after_user_id,
                                              size_t limit) const = 0;
  // A person's faces, in the order they were filed.
  virtual std::vector<FaceRecord> faces_of_person(const std::string& collection_id, const std::string& person_id) const = 0;
  // Gives each face its new person_id, photo_id and thumb_key, and runs `also` (other tables'
  // updates), in one transaction; forgets what was said about persons left with no face.
  virtual void move_faces(const std::string& collection_id, const std::vector<FaceRecord>& moved,
                          const std::function<void()>& also) = 0;
  // Deletes the faces, runs `also`, and forgets persons left with no face, in one transaction.
  virtual void delete_faces_and(const std::string& collection_id, const std::vector<std::string>& face_ids,
                                const std::function<void()>& also) = 0;

  // Corrections: faces a user placed in their person, and pairs of faces a user ruled on (a pair
  // ruled again takes the latest ruling). Rulings outlive their faces, so that a photo deleted and
  // filed again keeps them.
  virtual void confirm_faces(const std::string& collection_id, const std::vector<std::string>& face_ids) = 0;
  virtual void rule_pairs(const std::string& collection_id, const std::vector<FacePairRuling>& rulings) = 0;
  virtual std::vector<FacePairRuling> apart_pairs(const std::string& collection_id) const = 0;
  virtual std::vector<std::string> confirmed_faces(const std::string& collection_id) const = 0;
  // Faces a user deleted as no face at all: never filed again, even when their photo is.
  virtual void reject_faces(const std::string& collection_id, const std::vector<std::string>& face_ids) = 0;
  // Those of the faces that were rejected: one query for all of a photo's faces.
  virtual std::set<std::string> rejected_among(const std::string& collection_id,
                                               const std::vector<std::string>& face_ids) const = 0;

  // Associates the faces with the user ("" clears the association).
  virtual void set_faces_user(const std::string& collection_id, const std::vector<std::string>& face_ids,
                              const std::string& user_id) = 0;
};

}  // namespace beetroot
