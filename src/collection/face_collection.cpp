#include "collection/face_collection.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "base/error.h"
#include "collection/similarity.h"

namespace beetroot {

GroupingRule parse_grouping_rule(const std::string& name) {
  if (name == "tutorial") return GroupingRule::Tutorial;
  if (name == "exemplars") return GroupingRule::Exemplars;
  if (name == "linkage") return GroupingRule::Linkage;
  throw Error(ErrorKind::InvalidParameter,
              "unknown grouping rule '" + name + "' (expected linkage, exemplars or tutorial)");
}

const char* to_string(GroupingRule rule) {
  switch (rule) {
    case GroupingRule::Tutorial: return "tutorial";
    case GroupingRule::Exemplars: return "exemplars";
    case GroupingRule::Linkage: return "linkage";
  }
  return "linkage";
}

FaceCollection::FaceCollection(FaceStore& store, std::string collection_id, GroupingRule rule,
                               VectorIndexOptions index_options, std::filesystem::path snapshot_dir)
    : store_(store),
      id_(std::move(collection_id)),
      rule_(rule),
      index_options_(index_options),
      snapshot_dir_(std::move(snapshot_dir)),
      index_(index_options) {
  store_.create_collection(id_);
  bool loaded = false;
  try {
    loaded = load_snapshot();
  } catch (const std::exception& e) {
    spdlog::warn("Collection: {}: ignoring the index snapshot ({}); reading every face", id_, e.what());
  }
  if (loaded) {
    const int64_t saved = revision_;
    load_user_word();  // a snapshot holds no corrections: they are few, and read whole
    apply(store_.changes_since(id_, revision_));
    spdlog::info("Collection: {}: loaded {} faces from the snapshot of revision {}, replayed up to {}", id_,
                 position_.size(), saved, revision_);
  } else {
    reload_locked();
  }
}

bool FaceCollection::indexes(const FaceRecord& face) const {
  // Linkage compares with every face of a person, also those an earlier rule left unindexed.
  return face.exemplar || rule_ == GroupingRule::Linkage;
}

void FaceCollection::reload_locked() {
  index_ = VectorIndex(index_options_);
  free_slots_.clear();
  entries_.clear();
  position_.clear();
  person_faces_.clear();
  // The revision before the faces: what lands in between is applied again by the next catch-up.
  revision_ = store_.revision(id_);
  for (const auto& f : store_.faces(id_))
    if (indexes(f)) add_to_index(f);
  load_user_word();
}

void FaceCollection::load_user_word() {
  apart_.clear();
  for (const auto& ruling : store_.apart_pairs(id_)) apart_.apply(ruling);
  confirmed_.clear();
  for (auto& id : store_.confirmed_faces(id_))
    if (position_.count(id)) confirmed_.insert(std::move(id));
}

void FaceCollection::apply(const CollectionDelta& delta) {
  for (const auto& face : delta.upserted) {
    remove_from_index(face.face_id);
    if (indexes(face)) add_to_index(face);
  }
  for (const auto& id : delta.deleted) remove_from_index(id);
  for (const auto& ruling : delta.rulings) apart_.apply(ruling);
  revision_ = std::max(revision_, delta.revision);
}

void FaceCollection::refresh() const {
  {
    std::shared_lock lock(mutex_);
    if (store_.revision(id_) == revision_) return;
  }
  // The index is a cache of the store: bringing it up to date changes no observable state.
  auto* self = const_cast<FaceCollection*>(this);
  std::unique_lock lock(mutex_);
  self->apply(store_.changes_since(id_, revision_));
}

void FaceCollection::write_locked(const std::function<void()>& body) {
  int64_t written = 0;
  try {
    store_.write(id_, [&](int64_t revision) {
      // Under the collection's write lock: what other processes wrote is in the index before
      // anything is decided from it.
      apply(store_.changes_since(id_, revision_));
      revision_ = revision - 1;
      body();
      written = revision;
    });
  } catch (...) {
    // The index may hold changes that were rolled back: rebuild it from what was committed.
    reload_locked();
    throw;
  }
  revision_ = written;
}

int64_t FaceCollection::revision() const {
  refresh();
  std::shared_lock lock(mutex_);
  return revision_;
}

size_t FaceCollection::indexed_faces() const {
  std::shared_lock lock(mutex_);
  return position_.size();
}

void FaceCollection::add_to_index(const FaceRecord& face) {
  uint32_t slot = static_cast<uint32_t>(entries_.size());
  if (free_slots_.empty()) {
    entries_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  entries_[slot] = {face.face_id, face.person_id, face.photo_id, face.user_id};
  index_.add(slot, face.descriptor.data());
  position_[face.face_id] = slot;
  person_faces_[face.person_id].push_back(face.face_id);
  if (face.confirmed) confirmed_.insert(face.face_id);
}

void FaceCollection::forget_person_face(const std::string& person_id, const std::string& face_id) {
  auto& ids = person_faces_[person_id];
  std::erase(ids, face_id);
  if (ids.empty()) person_faces_.erase(person_id);
}

// The slot is cleared and reused by the next face, so removal costs the same whatever the size.
void FaceCollection::remove_from_index(const std::string& face_id) {
  const auto found = position_.find(face_id);
  if (found == position_.end()) return;
  const uint32_t slot = found->second;
  forget_person_face(entries_[slot].person_id, face_id);
  position_.erase(found);
  confirmed_.erase(face_id);
  index_.remove(slot);
  entries_[slot] = {};
  free_slots_.push_back(slot);
}

std::vector<FaceMatch> FaceCollection::search(const Descriptor& descriptor, float threshold, size_t max_matches,
                                              const std::string& exclude_face_id) const {
  refresh();
  std::shared_lock lock(mutex_);
  return search_locked(descriptor, threshold, max_matches, "", exclude_face_id);
}

std::vector<VectorIndex::Hit> FaceCollection::nearest(const Descriptor& descriptor, float max_distance) const {
  return index_.within(descriptor.data(), max_distance);
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
  write_locked([&] {
    if (auto earlier = store_.faces_of_photo(id_, photo_id); !earlier.empty()) {
      spdlog::info("Collection: photoId={} already assigned; reusing {} faces", photo_id, earlier.size());
      faces = std::move(earlier);
      return;
    }
    // Faces a user deleted as no face stay deleted when their photo is filed again.
    std::vector<std::string> ids;
    for (const auto& f : faces) ids.push_back(face_id_for(id_, photo_id, f.face_index));
    const auto rejected = store_.rejected_among(id_, ids);
    std::erase_if(faces, [&](const FaceRecord& f) { return rejected.count(face_id_for(id_, photo_id, f.face_index)); });
    give_face_ids(photo_id, faces);
    decide_persons(photo_id, faces, threshold, thumb_key);
    store_.insert_faces(id_, faces);
    for (const auto& face : faces)
      if (face.exemplar) add_to_index(face);
  });
  return faces;
}

void FaceCollection::decide_persons(const std::string& photo_id, std::vector<FaceRecord>& faces, float threshold,
                                    const ThumbKeyFn& thumb_key, std::set<std::string> persons_in_photo) const {
  for (auto& face : faces) {
    face.photo_id = photo_id;
    if (const auto match = best_match(face, threshold, persons_in_photo)) {
      face.person_id = match->person_id;
      face.exemplar = rule_ != GroupingRule::Tutorial;
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
}

void FaceCollection::give_face_ids(const std::string& photo_id, std::vector<FaceRecord>& faces) const {
  for (int generation = 0;; ++generation) {
    const std::string source = generation == 0 ? photo_id : photo_id + "/" + std::to_string(generation);
    std::vector<std::string> ids;
    for (const auto& f : faces) ids.push_back(face_id_for(id_, source, f.face_index));
    if (!ids.empty() && !store_.faces_by_id(id_, ids).empty()) continue;
    for (size_t i = 0; i < faces.size(); ++i) faces[i].face_id = ids[i];
    return;
  }
}

FaceRecord FaceCollection::add_to_photo(const std::string& photo_id, FaceRecord face, float threshold,
                                        const ThumbKeyFn& thumb_key) {
  std::unique_lock lock(mutex_);
  std::vector<FaceRecord> faces;
  write_locked([&] {
    std::set<std::string> persons_in_photo;
    int last = 0;
    for (const auto& earlier : store_.faces_of_photo(id_, photo_id)) {
      persons_in_photo.insert(earlier.person_id);
      last = std::max(last, earlier.face_index);
    }
    face.face_index = last + 1;
    while (!store_.rejected_among(id_, {face_id_for(id_, photo_id, face.face_index)}).empty()) ++face.face_index;
    faces = {std::move(face)};
    give_face_ids(photo_id, faces);
    decide_persons(photo_id, faces, threshold, thumb_key, std::move(persons_in_photo));
    store_.insert_faces(id_, faces);
    if (indexes(faces.front())) add_to_index(faces.front());
  });
  return faces.front();
}

std::optional<FaceMatch> FaceCollection::best_match(const FaceRecord& face, float threshold,
                                                    const std::set<std::string>& taken) const {
  if (rule_ == GroupingRule::Linkage) return best_linked_person(face, threshold, taken);
  for (auto& m : search_locked(face.descriptor, threshold, SIZE_MAX, face.photo_id, ""))
    if (!taken.count(m.person_id) && !held_apart({face.face_id}, m.person_id)) return m;
  return std::nullopt;
}

std::vector<FaceRecord> FaceCollection::index(const std::string& photo_id, std::vector<FaceRecord> faces) {
  for (auto& face : faces) {
    face.photo_id = photo_id;
    face.face_id = face_id_for(id_, photo_id, face.face_index);
    face.person_id = face.face_id;
    face.exemplar = true;
  }
  std::unique_lock lock(mutex_);
  write_locked([&] {
    store_.insert_faces(id_, faces);
    for (const auto& face : faces) add_to_index(face);
  });
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
  write_locked([&] {
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
  });
  return changes;
}

std::vector<FaceRecord> FaceCollection::move_faces(const std::vector<std::string>& face_ids,
                                                   const std::string& person_id, const MovedThumbKeyFn& thumb_key,
                                                   const std::function<void()>& also,
                                                   const UserCorrection& correction) {
  std::unique_lock lock(mutex_);
  std::vector<FaceRecord> moved;
  write_locked([&] {
    moved = store_.faces_by_id(id_, face_ids);
    for (auto& f : moved) {
      f.person_id = person_id;
      f.thumb_key = thumb_key(f);
    }
    store_.move_faces(id_, moved, also);
    for (const auto& f : moved)
      if (auto p = position_.find(f.face_id); p != position_.end()) {
        forget_person_face(entries_[p->second].person_id, f.face_id);
        entries_[p->second].person_id = person_id;
        person_faces_[person_id].push_back(f.face_id);
      }
    correct_locked(correction);
  });
  return moved;
}

std::vector<FaceRecord> FaceCollection::move_photo(const std::string& photo_id, const std::string& new_photo_id,
                                                   const MovedThumbKeyFn& thumb_key, const std::function<void()>& also) {
  std::unique_lock lock(mutex_);
  std::vector<FaceRecord> moved;
  write_locked([&] {
    moved = store_.faces_of_photo(id_, photo_id);
    for (auto& f : moved) {
      f.photo_id = new_photo_id;
      f.thumb_key = thumb_key(f);
    }
    store_.move_faces(id_, moved, also);
    for (const auto& f : moved)
      if (auto p = position_.find(f.face_id); p != position_.end()) entries_[p->second].photo_id = new_photo_id;
  });
  return moved;
}

void FaceCollection::correct(const UserCorrection& correction) {
  std::unique_lock lock(mutex_);
  write_locked([&] { correct_locked(correction); });
}

void FaceCollection::correct_locked(const UserCorrection& correction) {
  if (!correction.confirmed.empty()) store_.confirm_faces(id_, correction.confirmed);
  for (const auto& id : correction.confirmed)
    if (position_.count(id)) confirmed_.insert(id);
  if (correction.rulings.empty()) return;
  store_.rule_pairs(id_, correction.rulings);
  for (const auto& ruling : correction.rulings) apart_.apply(ruling);
}

void FaceCollection::delete_faces_and(const std::vector<std::string>& face_ids, const std::function<void()>& also) {
  std::unique_lock lock(mutex_);
  write_locked([&] {
    store_.delete_faces_and(id_, face_ids, also);
    for (const auto& id : face_ids) remove_from_index(id);
  });
}

}  // namespace beetroot
