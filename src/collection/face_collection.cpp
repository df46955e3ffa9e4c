#include "collection/face_collection.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "base/error.h"
#include "collection/similarity.h"

namespace beetroot {
namespace {

// Linkage means over at most this many faces of a person (evenly spread): a person of thousands
// of faces costs no more per decision, and the mean hardly moves.
constexpr size_t kMaxLinkageFaces = 64;

float mean_distance(const float* probe, const std::vector<const float*>& faces) {
  float sum = 0;
  for (const float* face : faces) sum += std::sqrt(squared_distance(probe, face));
  return sum / static_cast<float>(faces.size());
}

}  // namespace

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
}

void FaceCollection::apply(const CollectionDelta& delta) {
  for (const auto& face : delta.upserted) {
    remove_from_index(face.face_id);
    if (indexes(face)) add_to_index(face);
  }
  for (const auto& id : delta.deleted) remove_from_index(id);
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
    decide_persons(photo_id, faces, threshold, thumb_key);
    store_.insert_faces(id_, faces);
    for (const auto& face : faces)
      if (face.exemplar) add_to_index(face);
  });
  return faces;
}

void FaceCollection::decide_persons(const std::string& photo_id, std::vector<FaceRecord>& faces, float threshold,
                                    const ThumbKeyFn& thumb_key) const {
  std::set<std::string> persons_in_photo;
  for (auto& face : faces) {
    face.photo_id = photo_id;
    face.face_id = face_id_for(id_, photo_id, face.face_index);
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

std::optional<FaceMatch> FaceCollection::best_match(const FaceRecord& face, float threshold,
                                                    const std::set<std::string>& taken) const {
  if (rule_ == GroupingRule::Linkage) return best_linked_person(face, threshold, taken);
  for (auto& m : search_locked(face.descriptor, threshold, SIZE_MAX, face.photo_id, ""))
    if (!taken.count(m.person_id)) return m;
  return std::nullopt;
}

std::set<std::string> FaceCollection::persons_near(const Descriptor& descriptor, float threshold) const {
  std::set<std::string> persons;
  for (const auto& [distance, i] : nearest(descriptor, linkage_distance(threshold, SIZE_MAX)))
    persons.insert(entries_[i].person_id);
  return persons;
}

const float* FaceCollection::vector_of(const std::string& face_id) const {
  return index_.vector(position_.at(face_id));
}

std::vector<const float*> FaceCollection::spread_sample(const std::vector<std::string>& face_ids) const {
  const size_t n = std::min(face_ids.size(), kMaxLinkageFaces);
  std::vector<const float*> out;
  for (size_t i = 0; i < n; ++i) out.push_back(vector_of(face_ids[i * face_ids.size() / n]));
  return out;
}

float FaceCollection::linkage(const std::vector<std::string>& a, const std::vector<std::string>& b) const {
  const auto theirs = spread_sample(b);
  float sum = 0;
  const auto mine = spread_sample(a);
  for (const float* face : mine) sum += mean_distance(face, theirs);
  return sum / static_cast<float>(mine.size());
}

bool FaceCollection::share_a_photo(const std::vector<std::string>& a, const std::vector<std::string>& b) const {
  std::set<std::string> photos;
  for (const auto& id : a) photos.insert(entries_[position_.at(id)].photo_id);
  return std::any_of(b.begin(), b.end(), [&](const std::string& id) { return photos.count(entries_[position_.at(id)].photo_id); });
}

std::optional<FaceMatch> FaceCollection::best_linked_person(const FaceRecord& face, float threshold,
                                                            const std::set<std::string>& taken) const {
  std::optional<FaceMatch> best;
  float best_distance = 0;
  for (const auto& person : persons_near(face.descriptor, threshold)) {
    if (taken.count(person)) continue;
    const auto& ids = person_faces_.at(person);
    const float d = mean_distance(face.descriptor.data(), spread_sample(ids));
    if (d > linkage_distance(threshold, ids.size()) || (best && d >= best_distance)) continue;
    best = FaceMatch{"", person, "", "", similarity_from_distance(d)};
    best_distance = d;
  }
  return best;
}

std::optional<PersonMerge> FaceCollection::merge_candidate(const FaceRecord& face, float threshold) const {
  refresh();
  std::shared_lock lock(mutex_);
  if (rule_ != GroupingRule::Linkage) return std::nullopt;
  const auto own = position_.find(face.face_id);
  if (own == position_.end()) return std::nullopt;
  const std::string& person = entries_[own->second].person_id;
  const auto& mine = person_faces_.at(person);
  std::optional<PersonMerge> best;
  float best_distance = 0;
  for (const auto& other : persons_near(face.descriptor, threshold)) {
    if (other == person) continue;
    const auto& theirs = person_faces_.at(other);
    const float d = linkage(mine, theirs);
    if (d > linkage_distance(threshold, mine.size() * theirs.size()) || (best && d >= best_distance)) continue;
    if (share_a_photo(mine, theirs)) continue;  // one person is never twice in a photo
    const bool mine_survives = mine.size() > theirs.size();
    best = PersonMerge{mine_survives ? person : other, mine_survives ? other : person, similarity_from_distance(d)};
    best_distance = d;
  }
  return best;
}

std::vector<std::vector<std::string>> FaceCollection::regroup(const std::string& person_id, float threshold,
                                                              size_t max_faces) const {
  std::shared_lock lock(mutex_);
  const auto found = person_faces_.find(person_id);
  if (found == person_faces_.end()) return {};
  const auto& ids = found->second;
  const size_t n = ids.size();
  if (n < 2 || n > max_faces || rule_ != GroupingRule::Linkage) return {ids};
  // Agglomerative average linkage on the faces' distance sums: join the nearest two groups while
  // their mean distance passes linkage_distance. Faces of one photo never join: their sum is
  // infinite, and stays so for the groups they end up in.
  std::vector<std::vector<size_t>> groups(n);
  std::vector<std::vector<double>> sum(n, std::vector<double>(n));
  for (size_t i = 0; i < n; ++i) {
    groups[i] = {i};
    const Entry& e = entries_[position_.at(ids[i])];
    for (size_t j = 0; j < i; ++j)
      sum[i][j] = sum[j][i] = e.photo_id == entries_[position_.at(ids[j])].photo_id
                                  ? std::numeric_limits<double>::infinity()
                                  : std::sqrt(squared_distance(vector_of(ids[i]), vector_of(ids[j])));
  }
  std::vector<bool> alive(n, true);
  for (;;) {
    size_t a = n, b = n;
    double best = 0;
    for (size_t i = 0; i < n; ++i)
      for (size_t j = i + 1; alive[i] && j < n; ++j) {
        if (!alive[j]) continue;
        const size_t pairs = groups[i].size() * groups[j].size();
        const double mean = sum[i][j] / static_cast<double>(pairs);
        if (mean <= linkage_distance(threshold, pairs) && (a == n || mean < best)) a = i, b = j, best = mean;
      }
    if (a == n) break;
    groups[a].insert(groups[a].end(), groups[b].begin(), groups[b].end());
    alive[b] = false;
    for (size_t k = 0; k < n; ++k) sum[a][k] = sum[k][a] = sum[a][k] + sum[b][k];
  }
  std::vector<std::vector<std::string>> out;
  for (size_t i = 0; i < n; ++i) {
    if (!alive[i]) continue;
    out.emplace_back();
    for (size_t x : groups[i]) out.back().push_back(ids[x]);
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.size() > y.size(); });
  return out;
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
                                                   const std::function<void()>& also) {
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
  });
  return moved;
}

void FaceCollection::delete_faces_and(const std::vector<std::string>& face_ids, const std::function<void()>& also) {
  std::unique_lock lock(mutex_);
  write_locked([&] {
    store_.delete_faces_and(id_, face_ids, also);
    for (const auto& id : face_ids) remove_from_index(id);
  });
}

}  // namespace beetroot
