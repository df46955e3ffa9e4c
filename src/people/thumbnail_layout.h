#pragma once
// Where face thumbnails live: THUMBS_BUCKET, under THUMBS_PREFIX<personId>/<photoId>_face_<n>.jpg,
// so a person's folder holds all of their faces. People moves them when faces change person;
// ingestion writes them there first.
#include <string>

namespace beetroot {

// Filled from the settings (app/settings.h).
struct ThumbnailLayout {
  std::string bucket;  // THUMBS_BUCKET
  std::string prefix;  // THUMBS_PREFIX

  std::string key(const std::string& person_id, const std::string& photo_id, int face_index) const {
    return prefix + person_id + "/" + photo_id + "_face_" + std::to_string(face_index) + ".jpg";
  }
};

}  // namespace beetroot
