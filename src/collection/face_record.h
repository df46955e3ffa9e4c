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
  bool confirmed = false;  // a user placed it in its person: regrouping keeps such faces together
};

// A user's word on two faces (face_a < face_b): of different people, or no longer held apart
// (a later merge or move by the user overruled it).
struct FacePairRuling {
  std::string face_a, face_b;
  bool apart = true;
};
// The ruling on two faces, in the pair's canonical order.
FacePairRuling rule_pair(const std::string& one, const std::string& other, bool apart);

struct CollectionInfo {
  std::string collection_id;
  std::string created_at;
  int64_t face_count = 0;
  int64_t user_count = 0;
};

// A FaceId that a retry of the same photo derives again, so nothing is created twice.
std::string face_id_for(const std::string& collection_id, const std::string& photo_id, int face_index);
// A random lower-case UUID (version 4): ImageIds, and persons split off by hand.
std::string random_uuid();

}  // namespace beetroot
