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
  position_[face.face_id] = entries_.size();
  entries_.push_back({face.face_id, face.person_id, face.photo_id, face.user_id});
}

// Moves the last entry into the hole, so removal costs one copy whatever the index size.
void FaceCollection::remove_from_index(const std::string& face_id) {
  const auto found = position_.find(face_id);
  if (found == position_.end()) return;
  const size_t hole = found->second, last = entries_.size() - 1;
  position_.erase(found);
  if (hole != last) {
    std::copy_n(vectors_.begin() + static_cast<ptrdiff_t>(last * 128), 128, vectors_.begin() + static_cast<ptrdiff_t>(hole * 128));
    entries_[hole] = std::move(entries_[last]);
    position_[entries_[hole].face_id] = hole;
  }
  entries_.pop_back();
  vectors_.resize(entries_.size() * 128);
}

std::vector<FaceMatch> FaceCollection::search(const Descriptor& descriptor, float threshold, size_t max_matches,
                                              const std::string& exclude_face_id) const {
  std::shared_lock lock(mutex_);
  return search_locked(descriptor, threshold, max_matches, "", exclude_face_id);
}

std::vector<std::pair<float, size_t>> FaceCollection::nearest(const Descriptor& descriptor, float max_distance) const {
  // Compare squared distances: one threshold conversion instead of one sqrt() per face.
  const float max_squared = max_distance * max_distance;
  std::vector<std::pair<float, size_t>> hits;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const float* v = &vectors_[i * 128];
    float sum = 0;
    // Lets the compiler vectorise the sum (reordering float additions), 4-8x faster than in order.
#pragma omp simd reduction(+ : sum)
    for (int k = 0; k < 128; ++k) sum += (v[k] - descriptor[k]) * (v[k] - descriptor[k]);
    if (sum <= max_squared) hits.push_back({std::sqrt(sum), i});
  }
  std::sort(hits.begin(), hits.end());
  return hits;
}

std::vector<FaceMatch> FaceCollection::search_locked(const Descriptor& descriptor, float threshold, size_t max_matches,
                                                     const std::string& exclude_photo,
                                                     const std::string& exclude_face) const {
  std::vector<FaceMatch> out;
  for (const auto& [distance, i] : nearest(descriptor, distance_for_similarity(threshold))) {
    if (out.size() >= max_matches) break;
    const Entry& e = entries_[i];
    if (e.photo_id == exclude_photo || e.face_id == exclude_face) continue;
    out.push_back({e.face_id, e.person_id, e.photo_id, e.user_id, similarity_from_distance(distance)});
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
    const auto candidates = search_locked(face.descriptor, threshold, SIZE_MAX, photo_id, "");
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

std::vector<FaceRecord> FaceCollection::index(const std::string& photo_id, std::vector<FaceRecord> faces) {
  for (auto& face : faces) {
    face.photo_id = photo_id;
    face.face_id = face_id_for(id_, photo_id, face.face_index);
    face.person_id = face.face_id;
    face.exemplar = true;
  }
  std::unique_lock lock(mutex_);
  store_.insert_faces(id_, faces);
  for (const auto& face : faces) add_to_index(face);
  return faces;
}

std::optional<FaceRecord> FaceCollection::face(const std::string& face_id) const {
  auto found = store_.faces_by_id(id_, {face_id});
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<FaceRecord> FaceCollection::faces(const std::vector<std::string>& face_ids) const {
  return store_.faces_by_id(id_, face_ids);
}

FaceChanges FaceCollection::delete_faces(const std::vector<std::string>& face_ids) {
  std::unique_lock lock(mutex_);
  FaceChanges changes;
  std::set<std::string> found;
  for (const auto& f : store_.faces_by_id(id_, face_ids)) {
    if (!f.user_id.empty())
      changes.refused.push_back({f.face_id, f.user_id, "ASSOCIATED_TO_AN_EXISTING_USER"});
    else
      changes.changed.push_back(f.face_id);
    found.insert(f.face_id);
  }
  for (const auto& id : face_ids)
    if (!found.count(id)) changes.refused.push_back({id, "", "FACE_NOT_FOUND"});
  store_.delete_faces(id_, changes.changed);
  for (const auto& id : changes.changed) remove_from_index(id);
  return changes;
}

std::vector<FaceRecord> FaceCollection::move_faces(const std::vector<std::string>& face_ids,
                                                   const std::string& person_id, const MovedThumbKeyFn& thumb_key,
                                                   const std::function<void()>& also) {
  std::unique_lock lock(mutex_);
  auto moved = store_.faces_by_id(id_, face_ids);
  for (auto& f : moved) {
    f.person_id = person_id;
    f.thumb_key = thumb_key(f);
  }
  store_.move_faces(id_, moved, also);
  for (const auto& f : moved)
    if (auto p = position_.find(f.face_id); p != position_.end()) entries_[p->second].person_id = person_id;
  return moved;
}

void FaceCollection::delete_faces_and(const std::vector<std::string>& face_ids, const std::function<void()>& also) {
  std::unique_lock lock(mutex_);
  store_.delete_faces_and(id_, face_ids, also);
  for (const auto& id : face_ids) remove_from_index(id);
}

}  // namespace beetroot
