#pragma once
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "collection/face_store.h"

namespace beetroot {

enum class GroupingRule {
  Tutorial,   // only faces that matched nobody are indexed: one exemplar per person
  Exemplars,  // every filed face is indexed too, so a person is matched by any of their faces
};
GroupingRule parse_grouping_rule(const std::string& name);

struct FaceMatch {
  std::string face_id, person_id, photo_id;
  float similarity;
};

// One collection: its faces persisted in a FaceStore, its exemplars in an in-memory exact index.
class FaceCollection {
 public:
  // Opens (creating if needed) the collection and loads its index.
  FaceCollection(FaceStore& store, std::string collection_id, GroupingRule rule = GroupingRule::Tutorial);

  // SearchFacesByImage semantics: exemplars at or above the threshold (percent), best first.
  std::vector<FaceMatch> search(const Descriptor& descriptor, float threshold, size_t max_matches) const;

  // Search-then-index for all faces of one photo under one lock. Each face gets the person of its
  // best match (never a person already given to another face of this photo) or becomes a new
  // person. A retry of the same photo returns what the first attempt stored.
  // `thumb_key` names the thumbnail of face n (1-based) of a person.
  using ThumbKeyFn = std::function<std::string(const std::string& person_id, int face_index)>;
  std::vector<FaceRecord> assign(const std::string& photo_id, std::vector<FaceRecord> faces, float threshold,
                                 const ThumbKeyFn& thumb_key);

  const std::string& id() const { return id_; }
  size_t indexed_faces() const;

 private:
  void add_to_index(const FaceRecord& face);
  std::vector<FaceMatch> search_locked(const Descriptor& descriptor, float threshold, size_t max_matches,
                                       const std::string& exclude_photo) const;

  FaceStore& store_;
  std::string id_;
  GroupingRule rule_;
  mutable std::shared_mutex mutex_;
  std::vector<float> vectors_;  // exemplars' descriptors, 128 floats each
  std::vector<FaceMatch> entries_;  // the same exemplars' ids (similarity unused)
};

}  // namespace beetroot
