#pragma once
#include <functional>
#include <optional>
#include <vector>

#include "collection/face_record.h"

namespace beetroot {

// Where collections and their faces are persisted; one implementation per database.
class FaceStore {
 public:
  virtual ~FaceStore() = default;
  virtual bool create_collection(const std::string& id) = 0;  // false if it exists
  virtual std::optional<CollectionInfo> describe_collection(const std::string& id) const = 0;
  virtual std::vector<std::string> list_collections() const = 0;
  virtual bool delete_collection(const std::string& id) = 0;  // with its faces

  virtual std::vector<FaceRecord> faces(const std::string& collection_id) const = 0;
  virtual std::vector<FaceRecord> faces_of_photo(const std::string& collection_id, const std::string& photo_id) const = 0;
  // Inserts all faces of one photo in one transaction: a photo's faces land together or not at all.
  virtual void insert_faces(const std::string& collection_id, const std::vector<FaceRecord>& faces) = 0;
};

}  // namespace beetroot
