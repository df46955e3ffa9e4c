#pragma once
#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <shared_mutex>
#include <stop_token>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "collection/apart_faces.h"
#include "collection/face_store.h"
#include "collection/vector_index.h"

namespace beetroot {

enum class GroupingRule {
  Tutorial,   // only faces that matched nobody are indexed: one exemplar per person
  Exemplars,  // every filed face is indexed too, so a person is matched by any of their faces
  // Every face is indexed; a face joins the person whose faces are nearest on average (average
  // linkage), and two persons whose faces come as near on average are merged. The more faces a
  // decision rests on, the looser the distance for the same false-match rate (linkage_distance).
  Linkage,
};
GroupingRule parse_grouping_rule(const std::string& name);
const char* to_string(GroupingRule rule);

struct FaceMatch {
  std::string face_id, person_id, photo_id, user_id;
  float similarity;
};

// Two persons the Linkage rule found to be one: the survivor has more faces and keeps its id.
struct PersonMerge {
  std::string survivor, absorbed;
  float similarity;  // of the mean distance between their faces
};

struct UserMatch {
  std::string user_id;
  float similarity;
};

// A face an operation left alone, with the cloud API's reason (FACE_NOT_FOUND ...).
struct FaceRefusal {
  std::string face_id, user_id, reason;
};

// A face of one of two near persons that lies nearer the other person than the rest of its own:
// filed into the wrong one of the two, or a piece of the other.
struct FaceNearerOther {
  std::string face_id;
  bool of_other;  // the face is the other person's of the pair
  float similarity;       // to the person it is nearer (linkage_similarity over that person's faces)
  float rest_similarity;  // of the rest of its own person to the person it is nearer
};

// Two persons near each other that the Linkage rule left apart: too far for their evidence.
struct NearPersons {
  std::string person_id, other_person_id;
  float similarity;  // of one pair as likely to be of one person as their faces' mean distance (linkage_similarity)
  size_t faces, other_faces;
  bool held_apart = false;  // users said they are two people
  // Of the smaller person (either of two the same size), its face nearest the other if nearer it
  // than the rest of its own (never a face a user placed, nor one held apart from the other).
  std::vector<FaceNearerOther> nearer_faces;
};

// A face far, on average, from the other faces of its person, or farther than all of them.
struct StrayFace {
  std::string face_id, person_id;
  float similarity;  // of its mean distance to the others
  // How far its similarity lies below the lowest of the other faces' (each to the rest of the
  // person but itself), in log-odds; 0 in a person of two faces.
  float below_the_rest;
  size_t person_faces;
};

// What a user's correction says beyond where faces go: pairs of faces ruled apart or released, and
// faces confirmed in their person. Every rule of the collection honours it from then on.
struct UserCorrection {
  std::vector<FacePairRuling> rulings;
  std::vector<std::string> confirmed;
};

struct FaceChanges {
  std::vector<std::string> changed;  // deleted, associated or disassociated
  std::vector<FaceRefusal> refused;
};

// One collection: its faces persisted in a FaceStore; the descriptors its grouping rule searches
// (exemplars, or every face under Linkage) in a VectorIndex in memory: an exact scan for small
// collections, a graph of codes from 20,000 faces on.
class FaceCollection {
 public:
  // Opens (creating if needed) the collection and loads its index.
  // With a snapshot folder, the index is loaded from the snapshot saved there last (if any), and
  // what changed in the store since is replayed, instead of reading every face.
  FaceCollection(FaceStore& store, std::string collection_id, GroupingRule rule = GroupingRule::Tutorial,
                 VectorIndexOptions index_options = {}, std::filesystem::path snapshot_dir = {});

  // SearchFacesByImage semantics: exemplars at or above the threshold (percent), best first.
  std::vector<FaceMatch> search(const Descriptor& descriptor, float threshold, size_t max_matches,
                                const std::string& exclude_face_id = "") const;

  // Search-then-index for all faces of one photo under one lock. Each face gets the person of its
  // best match (never a person already given to another face of this photo) or becomes a new
  // person. A retry of the same photo returns what the first attempt stored; faces a user deleted
  // as no face are left out.
  // `thumb_key` names the thumbnail of face n (1-based) of a person.
  using ThumbKeyFn = std::function<std::string(const std::string& person_id, int face_index)>;
  std::vector<FaceRecord> assign(const std::string& photo_id, std::vector<FaceRecord> faces, float threshold,
                                 const ThumbKeyFn& thumb_key);

  // A face a user drew on a photo filed earlier: the next face index (past any deleted as no
  // face), and a person as `assign` would give it, never one already in the photo.
  FaceRecord add_to_photo(const std::string& photo_id, FaceRecord face, float threshold, const ThumbKeyFn& thumb_key);

  // Linkage rule: the person that the person of `face` (filed earlier) should merge with, if any:
  // among the persons with faces near it, no photo in common and no faces held apart, the nearest
  // on average.
  std::optional<PersonMerge> merge_candidate(const FaceRecord& face, float threshold) const;

  // Linkage rule: the person's faces regrouped by average linkage within the person, the group of
  // the faces a user placed first, then the largest. More than one group means the person is
  // several people wrongly merged. Faces held apart never share a group. Persons of more than
  // `max_faces` faces are returned whole (the regrouping costs faces^2 memory).
  std::vector<std::vector<std::string>> regroup(const std::string& person_id, float threshold, size_t max_faces) const;

  // Linkage rule, the questions worth asking a user: pairs of persons whose faces come within
  // `loosest` similarity on average and share no photo (each pair once; those a user held apart
  // flagged, for how near strangers come);
  // and faces no user placed whose mean similarity to the rest of their person is below
  // `threshold`, or `odd_one_out` log-odds below every other face's.
  // A search stopped by `stop` returns what it found so far.
  std::vector<NearPersons> near_persons(float loosest, std::stop_token stop = {}) const;
  std::vector<StrayFace> stray_faces(float threshold, float odd_one_out) const;
  // The same for `persons` only, for a caller that keeps the rest: their near persons looked for
  // around more of their faces (64, not 8), so that a pair is found from either side.
  std::vector<NearPersons> near_persons(float loosest, const std::set<std::string>& persons,
                                        std::stop_token stop = {}) const;
  std::vector<StrayFace> stray_faces(float threshold, float odd_one_out, const std::set<std::string>& persons) const;
  // For each person, a sum over its faces of what the two lists above read of them (face, photo,
  // the faces held apart from it, whether a user placed it): a person whose signature did not
  // change has the same stray faces, and a pair of them the same nearness.
  std::unordered_map<std::string, uint64_t> person_signatures() const;
  // The store's revision of this collection, after catching up with what other processes wrote:
  // it changes with every write, so an answer computed at one revision holds until it moves.
  int64_t revision() const;

  // IndexFaces semantics: every face becomes an exemplar and its own person.
  std::vector<FaceRecord> index(const std::string& photo_id, std::vector<FaceRecord> faces);
  std::optional<FaceRecord> face(const std::string& face_id) const;
  std::vector<FaceRecord> faces(const std::vector<std::string>& face_ids) const;
  // Faces associated with a user cannot be deleted (ASSOCIATED_TO_AN_EXISTING_USER).
  FaceChanges delete_faces(const std::vector<std::string>& face_ids);

  // Gives the faces to `person_id`, each with its new thumbnail key, and runs `also` (updates of
  // other tables) in the same transaction; the index follows. Under the collection's lock, so that
  // ingestion never files a face under a person that is being merged away.
  using MovedThumbKeyFn = std::function<std::string(const FaceRecord& moved)>;
  std::vector<FaceRecord> move_faces(const std::vector<std::string>& face_ids, const std::string& person_id,
                                     const MovedThumbKeyFn& thumb_key, const std::function<void()>& also,
                                     const UserCorrection& correction = {});
  // A photo filed again under another photoId (its file moved): its faces keep their ids, persons
  // and corrections, and take the new photoId and thumbnail keys; `also` runs in the same transaction.
  std::vector<FaceRecord> move_photo(const std::string& photo_id, const std::string& new_photo_id,
                                     const MovedThumbKeyFn& thumb_key, const std::function<void()>& also);
  // Stores a correction that moves no face.
  void correct(const UserCorrection& correction);
  // The pairs held apart that join a face of `a` with a face of `b`.
  std::vector<FacePairRuling> apart_between(const std::vector<std::string>& a, const std::vector<std::string>& b) const;
  // Deletes the faces and runs `also` in one transaction, whoever they belong to.
  void delete_faces_and(const std::vector<std::string>& face_ids, const std::function<void()>& also);

  // The cloud API's users: named groups of faces of one person.
  void create_user(const std::string& user_id);  // Error AlreadyExists
  void delete_user(const std::string& user_id);  // Error NotFound
  std::vector<std::string> users_page(const std::string& after_user_id, size_t limit) const;
  // A face joins a user if it exists, belongs to no other user and, when the user has faces
  // already, matches one of them at `threshold` or more.
  FaceChanges associate(const std::string& user_id, const std::vector<std::string>& face_ids, float threshold);
  FaceChanges disassociate(const std::string& user_id, const std::vector<std::string>& face_ids);
  // Users whose best face matches any of `probes` at `threshold` or more, best first.
  std::vector<UserMatch> search_users(const std::vector<Descriptor>& probes, float threshold, size_t max_users,
                                      const std::string& exclude_user_id = "") const;
  std::vector<Descriptor> user_descriptors(const std::string& user_id) const;  // Error NotFound

  const std::string& id() const { return id_; }
  size_t indexed_faces() const;
  // Brings the index up to date with what other processes wrote to the store.
  void refresh() const;
  // Writes the index with the store revision it reflects to the snapshot folder; the previous
  // snapshot stays in use until the new one is complete. Returns the snapshot's folder.
  std::filesystem::path save_snapshot() const;
  // Whether the index changed since the snapshot it was loaded from or saved to last.
  bool changed_since_snapshot() const;

 private:
  struct Entry {
    std::string face_id, person_id, photo_id, user_id;
  };
  bool indexes(const FaceRecord& face) const;
  void reload_locked();
  void load_user_word();
  void correct_locked(const UserCorrection& correction);
  // near_persons and stray_faces of `persons`, or of every person where it is null.
  std::vector<NearPersons> near_persons_of(float loosest, const std::set<std::string>* persons, size_t probes,
                                           const std::stop_token& stop) const;
  std::vector<StrayFace> stray_faces_of(float threshold, float odd_one_out, const std::set<std::string>* persons) const;
  // Whether a face of `faces` is held apart from a face of the person.
  bool held_apart(const std::vector<std::string>& faces, const std::string& person_id) const;
  bool load_snapshot();  // false if there is none, or one of another database or rule
  void apply(const CollectionDelta& delta);
  // Runs `body` as one write to the store, with the index caught up first; rebuilds the index if
  // the write fails, since `body` may have changed it.
  void write_locked(const std::function<void()>& body);
  // Ids for the faces of a photo filed for the first time: derived from (photoId, index), unless a
  // face of another photo holds that id (a photo that moved away from this photoId's path keeps
  // its faces' ids), then derived again with a generation added, the same on every retry.
  void give_face_ids(const std::string& photo_id, std::vector<FaceRecord>& faces) const;
  void decide_persons(const std::string& photo_id, std::vector<FaceRecord>& faces, float threshold,
                      const ThumbKeyFn& thumb_key, std::set<std::string> persons_in_photo = {}) const;
  FaceChanges associate_locked(const std::string& user_id, const std::vector<std::string>& face_ids, float threshold);
  void add_to_index(const FaceRecord& face);
  void remove_from_index(const std::string& face_id);
  void forget_person_face(const std::string& person_id, const std::string& face_id);
  void require_user(const std::string& user_id) const;
  float best_similarity(const Descriptor& probe, const std::string& user_id) const;
  std::vector<Descriptor> user_descriptors_locked(const std::string& user_id) const;
  // Each exemplar's distance to the descriptor, for those within `max_distance`, nearest first.
  std::vector<VectorIndex::Hit> nearest(const Descriptor& descriptor, float max_distance) const;
  std::vector<FaceMatch> search_locked(const Descriptor& descriptor, float threshold, size_t max_matches,
                                       const std::string& exclude_photo, const std::string& exclude_face) const;
  // The person a face of `photo_id` joins under the rule, if any; never one of `taken`.
  std::optional<FaceMatch> best_match(const FaceRecord& face, float threshold, const std::set<std::string>& taken) const;
  std::optional<FaceMatch> best_linked_person(const FaceRecord& face, float threshold,
                                              const std::set<std::string>& taken) const;
  // Persons with an indexed face within the loosest linkage distance of the descriptor.
  std::set<std::string> persons_near(const Descriptor& descriptor, float threshold) const;
  // Descriptors of at most `most` of the faces, evenly spread.
  std::vector<const float*> spread_sample(const std::vector<std::string>& face_ids, size_t most) const;
  std::vector<std::string> spread_ids(const std::vector<std::string>& face_ids, size_t most) const;
  float linkage(const std::vector<std::string>& a, const std::vector<std::string>& b) const;
  // The mean distances between the spread samples of two persons' faces: of each sampled face of
  // either to the other's sample, and of all pairs (linkage).
  struct LinkageDistances {
    std::vector<std::string> a_faces, b_faces;
    std::vector<float> a_to_b, b_to_a;
    float mean;
  };
  LinkageDistances linkage_distances(const std::vector<std::string>& a, const std::vector<std::string>& b) const;
  // The face of `mine` nearest `theirs` (the person `other`), if it is nearer it than the rest of `mine`.
  std::optional<FaceNearerOther> face_nearer_other(const std::vector<std::string>& mine, const std::string& other,
                                                   size_t their_faces, const std::vector<std::string>& sampled,
                                                   const std::vector<float>& to_other, bool of_other) const;
  bool share_a_photo(const std::vector<std::string>& a, const std::vector<std::string>& b) const;
  const float* vector_of(const std::string& face_id) const;

  FaceStore& store_;
  std::string id_;
  GroupingRule rule_;
  mutable std::shared_mutex mutex_;
  int64_t revision_ = 0;        // the store's revision of this collection the index reflects
  mutable std::atomic<int64_t> snapshot_revision_{-1};  // that of the snapshot loaded or saved last
  VectorIndexOptions index_options_;
  std::filesystem::path snapshot_dir_;
  VectorIndex index_;                  // indexed faces' descriptors by slot
  std::vector<Entry> entries_;         // the same faces' ids by slot; a free slot's are empty
  std::vector<uint32_t> free_slots_;
  std::unordered_map<std::string, uint32_t> position_;  // FaceId -> slot
  std::unordered_map<std::string, std::vector<std::string>> person_faces_;  // personId -> its indexed FaceIds
  ApartFaces apart_;  // every pair a user held apart, indexed or not
  std::unordered_set<std::string> confirmed_;  // indexed faces a user placed in their person
};

}  // namespace beetroot
