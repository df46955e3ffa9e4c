#include "collection/face_collection.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "collection/similarity.h"
#include "inference/error.h"

namespace beetroot {

GroupingRule parse_grouping_rule(const std::string& name) {
  if (name == "tutorial") return GroupingRule::Tutorial;
  if (name == "exemplars") return GroupingRule::Exemplars;
  throw Error(ErrorKind::InvalidParameter, "unknown grouping rule '" + name + "' (expected tutorial or exemplars)");
}

FaceCollection::FaceCollection(FaceStore& store, std::string collection_id, GroupingRule rule)
    : store_(store), id_(std::move(collection_id)), rule_(rule) {
  store_.create_collection(id_);
  for (const auto& f : store_.faces(id_))
    if (f.exemplar) add_to_index(f);
}

size_t FaceCollection::indexed_faces() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

void FaceCollection::add_to_index(const FaceRecord& face) {
  vectors_.insert(vectors_.end(), face.descriptor.begin(), face.descriptor.end());
  entries_.push_back({face.face_id, face.person_id, face.photo_id, 0.f});
}

std::vector<FaceMatch> FaceCollection::search(const Descriptor& descriptor, float threshold, size_t max_matches) const {
  std::shared_lock lock(mutex_);
  return search_locked(descriptor, threshold, max_matches, "");
}

std::vector<FaceMatch> FaceCollection::search_locked(const Descriptor& descriptor, float threshold, size_t max_matches,
                                                     const std::string& exclude_photo) const {
  // Compare distances, not similarities: one threshold conversion instead of one exp() per face.
  const float max_distance = distance_for_similarity(threshold);
  std::vector<std::pair<float, size_t>> hits;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const float* v = &vectors_[i * 128];
    float sum = 0;
    for (int k = 0; k < 128; ++k) sum += (v[k] - descriptor[k]) * (v[k] - descriptor[k]);
    const float distance = std::sqrt(sum);
    if (distance <= max_distance && entries_[i].photo_id != exclude_photo) hits.push_back({distance, i});
  }
  std::sort(hits.begin(), hits.end());
  std::vector<FaceMatch> out;
  for (size_t i = 0; i < hits.size() && out.size() < max_matches; ++i) {
    FaceMatch m = entries_[hits[i].second];
    m.similarity = similarity_from_distance(hits[i].first);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<FaceRecord> FaceCollection::assign(const std::string& photo_id, std::vector<FaceRecord> faces,
                                               float threshold, const ThumbKeyFn& thumb_key) {
  std::unique_lock lock(mutex_);
  if (auto earlier = store_.faces_of_photo(id_, photo_id); !earlier.empty()) {
    spdlog::info("Collection: photoId={} already assigned; reusing {} faces", photo_id, earlier.size());
    return earlier;
  }
  std::set<std::string> persons_in_photo;
  for (auto& face : faces) {
    face.photo_id = photo_id;
    face.face_id = face_id_for(id_, photo_id, face.face_index);
    const auto candidates = search_locked(face.descriptor, threshold, SIZE_MAX, photo_id);
    auto match = std::find_if(candidates.begin(), candidates.end(),
                              [&](const FaceMatch& m) { return !persons_in_photo.count(m.person_id); });
    if (match != candidates.end()) {
      face.person_id = match->person_id;
      face.exemplar = rule_ == GroupingRule::Exemplars;
      spdlog::info("Match: idx={} personId={} similarity={:.2f}", face.face_index, face.person_id, match->similarity);
    } else {
      spdlog::info("NoMatch: idx={} threshold={} -> indexing", face.face_index, threshold);
      face.person_id = face.face_id;
      face.exemplar = true;
      spdlog::info("Indexed: idx={} new personId={}", face.face_index, face.person_id);
    }
    persons_in_photo.insert(face.person_id);
    face.thumb_key = thumb_key(face.person_id, face.face_index);
  }
  store_.insert_faces(id_, faces);
  for (const auto& face : faces)
    if (face.exemplar) add_to_index(face);
  return faces;
}

}  // namespace beetroot
