#pragma once
#include <opencv2/core.hpp>
#include <string>

#include "inference/recognition_net.h"

namespace beetroot {

struct FaceRecord {
  std::string face_id;    // lower-case UUID, derived from (collection, photoId, face index)
  std::string person_id;  // FaceId of the face that first stood for this person
  std::string photo_id;
  int face_index = 0;     // 1-based, in detection order
  cv::Rect2f box;         // ratios of the image
  float confidence = 0;   // 0-100
  Descriptor descriptor{};
  std::string external_image_id;
  std::string thumb_key;
  bool exemplar = false;  // searched against: the tutorial rule indexes only faces that matched nobody
  std::string user_id;    // the cloud API's user this face is associated with, if any
};

struct CollectionInfo {
  std::string collection_id;
  std::string created_at;
  int64_t face_count = 0;
  int64_t user_count = 0;
};

// One person of a collection: its faces grouped by personId, with what users said about it.
struct PersonSummary {
  std::string person_id;
  std::string name;  // "" until someone names the person
  bool hidden = false;
  int64_t face_count = 0, photo_count = 0;
  std::string cover_thumb_key;  // the thumbnail of the person's earliest face
};

enum class PeopleOrder { FaceCount, Name };

// A FaceId that a retry of the same photo derives again, so nothing is created twice.
std::string face_id_for(const std::string& collection_id, const std::string& photo_id, int face_index);
// A random lower-case UUID (version 4): ImageIds, and persons split off by hand.
std::string random_uuid();

}  // namespace beetroot
