// The cloud API's users within one collection: FaceCollection's user operations.
#include <algorithm>
#include <map>
#include <set>

#include "base/error.h"
#include "collection/face_collection.h"
#include "collection/similarity.h"
#include "inference/face_engine.h"

namespace beetroot {

void FaceCollection::require_user(const std::string& user_id) const {
  if (!store_.user_exists(id_, user_id))
    throw Error(ErrorKind::NotFound, "user '" + user_id + "' does not exist in collection '" + id_ + "'");
}

void FaceCollection::create_user(const std::string& user_id) {
  if (!store_.create_user(id_, user_id))
    throw Error(ErrorKind::Conflict, "user '" + user_id + "' already exists in collection '" + id_ + "'");
}

void FaceCollection::delete_user(const std::string& user_id) {
  std::unique_lock lock(mutex_);
  bool deleted = false;
  write_locked([&] {
    deleted = store_.delete_user(id_, user_id);
    for (auto& e : entries_)
      if (e.user_id == user_id) e.user_id.clear();
  });
  if (!deleted) throw Error(ErrorKind::NotFound, "user '" + user_id + "' does not exist in collection '" + id_ + "'");
}

std::vector<std::string> FaceCollection::users_page(const std::string& after_user_id, size_t limit) const {
  return store_.users_page(id_, after_user_id, limit);
}

std::vector<Descriptor> FaceCollection::user_descriptors(const std::string& user_id) const {
  require_user(user_id);
  std::shared_lock lock(mutex_);
  return user_descriptors_locked(user_id);
}

std::vector<Descriptor> FaceCollection::user_descriptors_locked(const std::string& user_id) const {
  std::vector<Descriptor> out;
  for (uint32_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].user_id != user_id) continue;
    Descriptor d;
    std::copy_n(index_.vector(i), d.size(), d.begin());
    out.push_back(d);
  }
  return out;
}

float FaceCollection::best_similarity(const Descriptor& probe, const std::string& user_id) const {
  float best = 0.f;
  for (const auto& face : user_descriptors_locked(user_id))
    best = std::max(best, similarity_from_distance(descriptor_distance(probe, face)));
  return best;
}

FaceChanges FaceCollection::associate(const std::string& user_id, const std::vector<std::string>& face_ids,
                                      float threshold) {
  require_user(user_id);
  std::unique_lock lock(mutex_);
  FaceChanges changes;
  write_locked([&] { changes = associate_locked(user_id, face_ids, threshold); });
  return changes;
}

FaceChanges FaceCollection::associate_locked(const std::string& user_id, const std::vector<std::string>& face_ids,
                                             float threshold) {
  const bool user_has_faces =
      std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.user_id == user_id; });
  FaceChanges changes;
  std::set<std::string> found;
  for (const auto& f : store_.faces_by_id(id_, face_ids)) {
    found.insert(f.face_id);
    if (f.user_id == user_id) {
      changes.changed.push_back(f.face_id);  // already there: associating again is not an error
    } else if (!f.user_id.empty()) {
      changes.refused.push_back({f.face_id, f.user_id, "ASSOCIATED_TO_A_DIFFERENT_USER"});
    } else if (user_has_faces && best_similarity(f.descriptor, user_id) < threshold) {
      changes.refused.push_back({f.face_id, "", "LOW_MATCH_CONFIDENCE"});
    } else {
      changes.changed.push_back(f.face_id);
    }
  }
  for (const auto& id : face_ids)
    if (!found.count(id)) changes.refused.push_back({id, "", "FACE_NOT_FOUND"});
  store_.set_faces_user(id_, changes.changed, user_id);
  for (const auto& id : changes.changed)
    if (auto p = position_.find(id); p != position_.end()) entries_[p->second].user_id = user_id;
  return changes;
}

FaceChanges FaceCollection::disassociate(const std::string& user_id, const std::vector<std::string>& face_ids) {
  require_user(user_id);
  std::unique_lock lock(mutex_);
  FaceChanges changes;
  write_locked([&] {
    std::set<std::string> found;
    for (const auto& f : store_.faces_by_id(id_, face_ids)) {
      found.insert(f.face_id);
      if (f.user_id == user_id)
        changes.changed.push_back(f.face_id);
      else
        changes.refused.push_back({f.face_id, f.user_id, "ASSOCIATED_TO_A_DIFFERENT_USER"});
    }
    for (const auto& id : face_ids)
      if (!found.count(id)) changes.refused.push_back({id, "", "FACE_NOT_FOUND"});
    store_.set_faces_user(id_, changes.changed, "");
    for (const auto& id : changes.changed)
      if (auto p = position_.find(id); p != position_.end()) entries_[p->second].user_id.clear();
  });
  return changes;
}

std::vector<UserMatch> FaceCollection::search_users(const std::vector<Descriptor>& probes, float threshold,
                                                    size_t max_users, const std::string& exclude_user_id) const {
  refresh();
  std::shared_lock lock(mutex_);
  std::map<std::string, float> best;  // user -> best similarity over its faces and all probes
  for (const auto& probe : probes)
    for (const auto& [distance, i] : nearest(probe, distance_for_similarity(threshold))) {
      const std::string& user = entries_[i].user_id;
      if (user.empty() || user == exclude_user_id) continue;
      float& b = best[user];
      b = std::max(b, similarity_from_distance(distance));
    }
  std::vector<UserMatch> out;
  for (const auto& [user, similarity] : best) out.push_back({user, similarity});
  std::sort(out.begin(), out.end(), [](const UserMatch& a, const UserMatch& b) { return a.similarity > b.similarity; });
  if (out.size() > max_users) out.resize(max_users);
  return out;
}

}  // namespace beetroot
