#include "people/people.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>

#include "base/error.h"

namespace beetroot {
namespace {

// Regrouping a person costs faces^2 memory and faces^3 time; larger persons are left whole.
constexpr size_t kMaxRegroupFaces = 1000;

// A face said not to be a person is held apart from this many of its faces (evenly spread), and two
// persons said to be two people by this many of each: enough that one stays held while faces
// come and go, and few rows for a person of thousands of faces.
constexpr size_t kApartFromFaces = 64;
constexpr size_t kApartPerPerson = 16;

std::vector<std::string> spread(const std::vector<std::string>& ids, size_t most) {
  const size_t n = std::min(ids.size(), most);
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back(ids[i * ids.size() / n]);
  return out;
}

void hold_apart(UserCorrection& correction, const std::vector<std::string>& faces,
                const std::vector<std::string>& others) {
  for (const auto& face : faces)
    for (const auto& other : others)
      if (face != other) correction.rulings.push_back(rule_pair(face, other, true));
}

void release(UserCorrection& correction, std::vector<FacePairRuling> held) {
  for (auto& ruling : held) {
    ruling.apart = false;
    correction.rulings.push_back(std::move(ruling));
  }
}

}  // namespace

People::People(FaceCollection& collection, FaceStore& faces, PersonTable& persons, ObjectStore& objects,
               PhotoTable& photos, ThumbnailLayout thumbnails)
    : collection_(collection),
      faces_(faces),
      persons_(persons),
      objects_(objects),
      photos_(photos),
      thumbnails_(std::move(thumbnails)) {}

People::Page People::list(PeopleOrder order, const PeopleFilter& filter, size_t offset, size_t limit) const {
  return {persons_.people(collection_.id(), order, filter, offset, limit), persons_.people_count(collection_.id(), filter)};
}

std::optional<PersonSummary> People::find(const std::string& person_id) const {
  return persons_.person(collection_.id(), person_id);
}

std::vector<PersonSummary> People::named_or_hidden() const { return persons_.named_or_hidden(collection_.id()); }

PersonSummary People::get(const std::string& person_id) const {
  auto found = find(person_id);
  if (!found) throw Error(ErrorKind::NotFound, "person " + person_id + " does not exist");
  return *found;
}

std::vector<FaceRecord> People::faces_of_photo(const std::string& photo_id) const {
  return faces_.faces_of_photo(collection_.id(), photo_id);
}

std::optional<FaceRecord> People::face(const std::string& face_id) const { return collection_.face(face_id); }

std::vector<FaceRecord> People::faces_of(const std::string& person_id) const {
  return faces_.faces_of_person(collection_.id(), person_id);
}

People::PhotoPage People::photos_with(const std::vector<std::string>& person_ids, size_t offset, size_t limit) const {
  for (const auto& id : person_ids) get(id);
  const std::set<std::string> distinct(person_ids.begin(), person_ids.end());
  PhotoPage page;
  page.photos = photos_.get_many(persons_.photos_with_all(collection_.id(), {distinct.begin(), distinct.end()}));
  auto when = [](const PhotoRow& p) { return p.taken_at.empty() ? p.uploaded_at : p.taken_at; };
  std::sort(page.photos.begin(), page.photos.end(), [&](const PhotoRow& a, const PhotoRow& b) {
    return when(a) != when(b) ? when(a) > when(b) : a.photo_id < b.photo_id;
  });
  page.total = static_cast<int64_t>(page.photos.size());
  page.photos.erase(page.photos.begin(), page.photos.begin() + static_cast<long>(std::min(offset, page.photos.size())));
  if (page.photos.size() > limit) page.photos.resize(limit);
  return page;
}

std::vector<std::string> People::face_ids_of(const std::string& person_id) const {
  std::vector<std::string> ids;
  for (const auto& f : faces_of(person_id)) ids.push_back(f.face_id);
  return ids;
}

PersonSummary People::update(const std::string& person_id, const Update& update) {
  std::lock_guard lock(mutex_);
  get(person_id);
  if (update.cover_face_id) {  // checked before anything changes: the one part that can be refused
    const auto face = collection_.face(*update.cover_face_id);
    if (!face || face->person_id != person_id)
      throw Error(ErrorKind::InvalidParameter, "face " + *update.cover_face_id + " is not a face of person " + person_id);
    persons_.set_cover(collection_.id(), person_id, *update.cover_face_id);
  }
  if (update.name) {
    persons_.set_name(collection_.id(), person_id, *update.name);
    spdlog::info("People: renamed personId={} to '{}'", person_id, *update.name);
  }
  if (update.hidden) persons_.set_hidden(collection_.id(), person_id, *update.hidden);
  return get(person_id);
}

void People::delete_face(const std::string& face_id) {
  std::lock_guard lock(mutex_);
  const auto face = collection_.face(face_id);
  if (!face || face->thumb_key.empty()) throw Error(ErrorKind::NotFound, "face " + face_id + " does not exist");
  collection_.delete_faces_and({face_id}, [&] {
    faces_.reject_faces(collection_.id(), {face_id});
    if (auto row = photos_.get(face->photo_id)) {
      std::erase(row->face_thumb_keys, face->thumb_key);
      photos_.set_face_thumb_keys(face->photo_id, row->face_thumb_keys);
    }
  });
  objects_.remove(thumbnails_.bucket, face->thumb_key);
  spdlog::info("People: deleted faceId={} of photoId={}", face_id, face->photo_id);
}

// Copies thumbnails into the new folder first, commits faces and Photos rows together, and only
// then removes the old copies: a crash at any point leaves every stored key pointing at an object.
void People::move(const std::vector<FaceRecord>& faces, const std::string& person_id,
                  const UserCorrection& correction) {
  std::map<std::string, std::string> renamed;  // old thumbnail key -> new
  for (const auto& f : faces) {
    const std::string to = thumbnails_.key(person_id, f.photo_id, f.face_index);
    if (f.thumb_key.empty() || f.thumb_key == to) continue;
    if (auto bytes = objects_.get(thumbnails_.bucket, f.thumb_key)) objects_.put(thumbnails_.bucket, to, *bytes);
    renamed[f.thumb_key] = to;
  }
  std::vector<std::string> ids;
  for (const auto& f : faces) ids.push_back(f.face_id);
  auto update_photo_rows = [&] {
    std::set<std::string> photo_ids;
    for (const auto& f : faces) photo_ids.insert(f.photo_id);
    for (const auto& photo_id : photo_ids) {
      auto row = photos_.get(photo_id);
      if (!row) continue;
      for (auto& key : row->face_thumb_keys)
        if (auto r = renamed.find(key); r != renamed.end()) key = r->second;
      photos_.set_face_thumb_keys(photo_id, row->face_thumb_keys);
    }
  };
  auto new_key = [&](const FaceRecord& f) { return thumbnails_.key(f.person_id, f.photo_id, f.face_index); };
  collection_.move_faces(ids, person_id, new_key, update_photo_rows, correction);
  for (const auto& [from, to] : renamed) objects_.remove(thumbnails_.bucket, from);
}

PersonSummary People::merge(const std::string& survivor, const std::vector<std::string>& others) {
  std::lock_guard lock(mutex_);
  get(survivor);
  std::vector<FaceRecord> moving;
  for (const auto& other : others) {
    if (other == survivor) throw Error(ErrorKind::InvalidParameter, "a person cannot be merged into itself");
    get(other);
    const auto faces = faces_of(other);
    moving.insert(moving.end(), faces.begin(), faces.end());
  }
  // The user saw these faces as one person: they stay together, and nothing holds them apart.
  UserCorrection correction;
  correction.confirmed = face_ids_of(survivor);
  for (const auto& f : moving) correction.confirmed.push_back(f.face_id);
  release(correction, collection_.apart_between(correction.confirmed, correction.confirmed));
  move(moving, survivor, correction);
  spdlog::info("People: merged {} persons ({} faces) into personId={}", others.size(), moving.size(), survivor);
  return get(survivor);
}

std::vector<PersonMerge> People::merge_linked(const std::vector<FaceRecord>& filed, float threshold) {
  std::vector<PersonMerge> merges;
  for (const auto& face : filed)
    while (const auto m = collection_.merge_candidate(face, threshold)) {
      std::lock_guard lock(mutex_);
      const auto survivor = find(m->survivor), absorbed = find(m->absorbed);
      if (!survivor || !absorbed || (!survivor->name.empty() && !absorbed->name.empty())) break;
      move(faces_of(m->absorbed), m->survivor);
      spdlog::info("Merged: personId={} into personId={} similarity={:.2f}", m->absorbed, m->survivor, m->similarity);
      merges.push_back(*m);
    }
  return merges;
}

People::ReclusterReport People::recluster(float threshold) {
  ReclusterReport report;
  report.persons_before = persons_.people_count(collection_.id(), {});
  const auto everyone = persons_.people(collection_.id(), PeopleOrder::FaceCount, {}, 0, SIZE_MAX);
  for (const auto& person : everyone)
    if (person.name.empty()) report.persons_split_off += split_regrouped(person.person_id, threshold);
  report.merges = merge_linked(faces_.faces(collection_.id()), threshold).size();
  report.persons_after = persons_.people_count(collection_.id(), {});
  spdlog::info("Recluster: {} persons before, {} split off, {} merges, {} persons after", report.persons_before,
               report.persons_split_off, report.merges, report.persons_after);
  return report;
}

size_t People::split_regrouped(const std::string& person_id, float threshold) {
  const auto groups = collection_.regroup(person_id, threshold, kMaxRegroupFaces);
  std::lock_guard lock(mutex_);
  for (size_t g = 1; g < groups.size(); ++g) {
    const std::string split_off = random_uuid();
    move(collection_.faces(groups[g]), split_off);
    spdlog::info("Split: {} faces of personId={} to new personId={}", groups[g].size(), person_id, split_off);
  }
  return groups.empty() ? 0 : groups.size() - 1;
}

std::string People::move_face(const std::string& face_id, const std::string& person_id) {
  std::lock_guard lock(mutex_);
  const auto face = collection_.face(face_id);
  if (!face || face->thumb_key.empty()) throw Error(ErrorKind::NotFound, "face " + face_id + " does not exist");
  if (!person_id.empty()) get(person_id);
  return move_face_locked(*face, person_id);
}

std::string People::move_face_locked(const FaceRecord& face, const std::string& person_id) {
  // A new person gets a fresh id: the face's own FaceId may name its current person (it founded
  // it) or one merged away earlier, which must not come back.
  const std::string target = person_id.empty() ? random_uuid() : person_id;
  if (target == face.person_id) return target;
  UserCorrection correction;
  hold_apart(correction, {face.face_id}, spread(face_ids_of(face.person_id), kApartFromFaces));
  const auto joined = person_id.empty() ? std::vector<std::string>{} : face_ids_of(person_id);
  release(correction, collection_.apart_between({face.face_id}, joined));
  correction.confirmed = joined;
  correction.confirmed.push_back(face.face_id);
  move({face}, target, correction);
  spdlog::info("People: moved faceId={} from personId={} to personId={}", face.face_id, face.person_id, target);
  return target;
}

void People::confirm_face(const std::string& face_id) {
  std::lock_guard lock(mutex_);
  const auto face = collection_.face(face_id);
  if (!face) throw Error(ErrorKind::NotFound, "face " + face_id + " does not exist");
  collection_.correct({{}, face_ids_of(face->person_id)});
}

void People::keep_apart(const std::string& person_id, const std::string& other_person_id) {
  std::lock_guard lock(mutex_);
  if (person_id == other_person_id) throw Error(ErrorKind::InvalidParameter, "a person cannot be kept apart from itself");
  get(person_id);
  get(other_person_id);
  UserCorrection correction;
  hold_apart(correction, spread(face_ids_of(person_id), kApartPerPerson),
             spread(face_ids_of(other_person_id), kApartPerPerson));
  collection_.correct(correction);
  spdlog::info("People: personId={} and personId={} are two people", person_id, other_person_id);
}

std::string People::not_this_person(const std::string& face_id, const std::string& person_id) {
  std::lock_guard lock(mutex_);
  const auto face = collection_.face(face_id);
  if (!face || face->thumb_key.empty()) throw Error(ErrorKind::NotFound, "face " + face_id + " does not exist");
  get(person_id);
  if (face->person_id == person_id) return move_face_locked(*face, "");
  UserCorrection correction;
  hold_apart(correction, {face_id}, spread(face_ids_of(person_id), kApartFromFaces));
  collection_.correct(correction);
  spdlog::info("People: faceId={} is not personId={}", face_id, person_id);
  return face->person_id;
}

void People::delete_photo(const std::string& photo_id) {
  std::lock_guard lock(mutex_);
  const auto row = photos_.get(photo_id);
  if (!row) throw Error(ErrorKind::NotFound, "photo " + photo_id + " does not exist");
  if (row->status == PhotoStatus::Pending)
    throw Error(ErrorKind::Conflict, "photo " + photo_id + " is still being ingested; delete it when it is done");
  const auto faces = faces_.faces_of_photo(collection_.id(), photo_id);
  std::vector<std::string> ids;
  for (const auto& f : faces) ids.push_back(f.face_id);
  collection_.delete_faces_and(ids, [&] {
    if (!photos_.remove_finished(photo_id))
      throw Error(ErrorKind::Conflict, "photo " + photo_id + " changed while it was being deleted");
  });
  for (const auto& f : faces)
    if (!f.thumb_key.empty()) objects_.remove(thumbnails_.bucket, f.thumb_key);
  objects_.remove(row->bucket, row->key);
  spdlog::info("Photos: deleted photoId={} faces={}", photo_id, faces.size());
}

// Thumbnails are copied first and removed last, as in `move`: every stored key points at an object.
std::string People::move_photo(const std::string& photo_id, const std::string& bucket, const std::string& key) {
  std::lock_guard lock(mutex_);
  auto row = photos_.get(photo_id);
  if (!row) throw Error(ErrorKind::NotFound, "photo " + photo_id + " does not exist");
  if (row->status == PhotoStatus::Pending)
    throw Error(ErrorKind::Conflict, "photo " + photo_id + " is still being ingested; move it when it is done");
  const std::string new_id = photo_id_for(bucket, key);
  if (new_id == photo_id) return photo_id;
  if (photos_.get(new_id)) throw Error(ErrorKind::Conflict, "photo " + new_id + " (" + bucket + "/" + key + ") exists");
  std::map<std::string, std::string> renamed;
  for (const auto& f : faces_.faces_of_photo(collection_.id(), photo_id)) {
    const std::string to = thumbnails_.key(f.person_id, new_id, f.face_index);
    if (auto bytes = objects_.get(thumbnails_.bucket, f.thumb_key)) objects_.put(thumbnails_.bucket, to, *bytes);
    renamed[f.thumb_key] = to;
  }
  PhotoRow moved = *row;
  moved.photo_id = new_id;
  moved.bucket = bucket;
  moved.key = key;
  for (auto& thumb : moved.face_thumb_keys)
    if (auto r = renamed.find(thumb); r != renamed.end()) thumb = r->second;
  auto new_key = [&](const FaceRecord& f) { return thumbnails_.key(f.person_id, new_id, f.face_index); };
  collection_.move_photo(photo_id, new_id, new_key, [&] {
    if (!photos_.insert_once(moved) || !photos_.remove_finished(photo_id))
      throw Error(ErrorKind::Conflict, "photo " + photo_id + " changed while it was being moved");
  });
  for (const auto& [from, to] : renamed) objects_.remove(thumbnails_.bucket, from);
  spdlog::info("Photos: moved photoId={} to photoId={} key={}", photo_id, new_id, key);
  return new_id;
}

}  // namespace beetroot
