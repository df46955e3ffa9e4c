// The Linkage rule's decisions over a collection's index: which person a face joins, which persons
// merge, how a person regroups; and the pairs of faces users held apart, which every one of them
// honours.
#include <algorithm>
#include <cmath>
#include <future>
#include <limits>
#include <set>
#include <thread>
#include <tuple>

#include "collection/face_collection.h"
#include "collection/similarity.h"

namespace beetroot {
namespace {

// Linkage means over at most this many faces of a person (evenly spread): a person of thousands
// of faces costs no more per decision, and the mean hardly moves.
constexpr size_t kMaxLinkageFaces = 64;
// Persons near a person are looked for around this many of its faces.
constexpr size_t kNeighbourProbes = 8;
// The graph search's breadth when looking for persons worth a question: a near person missed at
// this breadth is a question of little worth, and the default breadth made the first ask for
// questions take 12-14 s on 10,000 persons, 3.2 s at this one (docs/performance.md, "The People view").
constexpr size_t kQuestionBreadth = 64;
// Below this many persons per core, looking around them is not worth another thread.
constexpr size_t kPersonsPerThread = 256;

// Calls visit(person, its faces) for each of `persons` that exists, or for every person where it is null.
template <class Visit>
void visit_persons(const std::unordered_map<std::string, std::vector<std::string>>& person_faces,
                   const std::set<std::string>* persons, Visit&& visit) {
  if (!persons) {
    for (const auto& [person, faces] : person_faces) visit(person, faces);
    return;
  }
  for (const auto& person : *persons)
    if (const auto found = person_faces.find(person); found != person_faces.end()) visit(person, found->second);
}

float mean_distance(const float* probe, const std::vector<const float*>& faces) {
  float sum = 0;
  for (const float* face : faces) sum += std::sqrt(squared_distance(probe, face));
  return sum / static_cast<float>(faces.size());
}

// Calls visit(face) for at most `most` of the faces, evenly spread.
template <class Visit>
void visit_spread(const std::vector<std::string>& face_ids, size_t most, Visit&& visit) {
  const size_t n = std::min(face_ids.size(), most);
  for (size_t i = 0; i < n; ++i) visit(face_ids[i * face_ids.size() / n]);
}

}  // namespace

std::set<std::string> FaceCollection::persons_near(const Descriptor& descriptor, float threshold) const {
  std::set<std::string> persons;
  for (const auto& [distance, i] : nearest(descriptor, linkage_distance(threshold, SIZE_MAX)))
    persons.insert(entries_[i].person_id);
  return persons;
}

const float* FaceCollection::vector_of(const std::string& face_id) const {
  return index_.vector(position_.at(face_id));
}

std::vector<std::string> FaceCollection::spread_ids(const std::vector<std::string>& face_ids, size_t most) const {
  std::vector<std::string> out;
  visit_spread(face_ids, most, [&](const std::string& id) { out.push_back(id); });
  return out;
}

// Pointers, not ids: it serves every filing decision, where copying the ids would cost.
std::vector<const float*> FaceCollection::spread_sample(const std::vector<std::string>& face_ids,
                                                         size_t most) const {
  std::vector<const float*> out;
  visit_spread(face_ids, most, [&](const std::string& id) { out.push_back(vector_of(id)); });
  return out;
}

FaceCollection::LinkageDistances FaceCollection::linkage_distances(const std::vector<std::string>& a,
                                                                   const std::vector<std::string>& b) const {
  LinkageDistances out{spread_ids(a, kMaxLinkageFaces), spread_ids(b, kMaxLinkageFaces), {}, {}, 0};
  out.a_to_b.assign(out.a_faces.size(), 0);
  out.b_to_a.assign(out.b_faces.size(), 0);
  const auto theirs = spread_sample(out.b_faces, SIZE_MAX);
  double sum = 0;
  for (size_t i = 0; i < out.a_faces.size(); ++i) {
    const float* mine = vector_of(out.a_faces[i]);
    for (size_t j = 0; j < theirs.size(); ++j) {
      const float d = std::sqrt(squared_distance(mine, theirs[j]));
      out.a_to_b[i] += d;
      out.b_to_a[j] += d;
    }
    sum += out.a_to_b[i];
  }
  for (float& d : out.a_to_b) d /= static_cast<float>(out.b_faces.size());
  for (float& d : out.b_to_a) d /= static_cast<float>(out.a_faces.size());
  out.mean = static_cast<float>(sum / static_cast<double>(out.a_faces.size() * out.b_faces.size()));
  return out;
}

// The mean alone, without the per-face means and ids linkage_distances keeps: it serves every
// filing decision and merge.
float FaceCollection::linkage(const std::vector<std::string>& a, const std::vector<std::string>& b) const {
  const auto theirs = spread_sample(b, kMaxLinkageFaces);
  const auto mine = spread_sample(a, kMaxLinkageFaces);
  float sum = 0;
  for (const float* face : mine) sum += mean_distance(face, theirs);
  return sum / static_cast<float>(mine.size());
}

std::optional<FaceNearerOther> FaceCollection::face_nearer_other(const std::vector<std::string>& mine,
                                                                 const std::string& other, size_t their_faces,
                                                                 const std::vector<std::string>& sampled,
                                                                 const std::vector<float>& to_other,
                                                                 bool of_other) const {
  if (mine.size() < 2) return std::nullopt;  // a single face has no rest to be nearer than
  const size_t nearest = std::min_element(to_other.begin(), to_other.end()) - to_other.begin();
  const std::string& face = sampled[nearest];
  if (confirmed_.count(face) || held_apart({face}, other)) return std::nullopt;
  std::vector<std::string> rest;
  for (const auto& id : mine)
    if (id != face) rest.push_back(id);
  const float own = linkage_similarity(mean_distance(vector_of(face), spread_sample(rest, kMaxLinkageFaces)), rest.size());
  const float similarity = linkage_similarity(to_other[nearest], their_faces);
  if (similarity <= own) return std::nullopt;
  float rest_sum = 0;
  for (size_t i = 0; i < to_other.size(); ++i)
    if (i != nearest) rest_sum += to_other[i];
  const float rest_similarity =
      linkage_similarity(rest_sum / static_cast<float>(to_other.size() - 1), rest.size() * their_faces);
  return FaceNearerOther{face, of_other, similarity, rest_similarity};
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
    if (taken.count(person) || held_apart({face.face_id}, person)) continue;
    const auto& ids = person_faces_.at(person);
    const float d = mean_distance(face.descriptor.data(), spread_sample(ids, kMaxLinkageFaces));
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
    if (held_apart(mine, other)) continue;
    const bool mine_survives = mine.size() > theirs.size();
    best = PersonMerge{mine_survives ? person : other, mine_survives ? other : person, similarity_from_distance(d)};
    best_distance = d;
  }
  return best;
}

bool FaceCollection::held_apart(const std::vector<std::string>& faces, const std::string& person_id) const {
  if (apart_.empty()) return false;
  for (const auto& face : faces)
    for (const auto& partner : apart_.partners(face))
      if (const auto p = position_.find(partner); p != position_.end() && entries_[p->second].person_id == person_id)
        return true;
  return false;
}

std::vector<FacePairRuling> FaceCollection::apart_between(const std::vector<std::string>& a,
                                                          const std::vector<std::string>& b) const {
  refresh();
  std::shared_lock lock(mutex_);
  const std::set<std::string> others(b.begin(), b.end());
  std::set<std::pair<std::string, std::string>> seen;
  std::vector<FacePairRuling> out;
  for (const auto& face : a)
    for (const auto& partner : apart_.partners(face))
      if (others.count(partner)) {
        auto ruling = rule_pair(face, partner, true);
        if (seen.insert({ruling.face_a, ruling.face_b}).second) out.push_back(std::move(ruling));
      }
  return out;
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
  // their mean distance passes linkage_distance. Faces of one photo or held apart never join: their
  // sum is infinite, and stays so for the groups they end up in.
  std::vector<std::vector<size_t>> groups(n);
  std::vector<std::vector<double>> sum(n, std::vector<double>(n));
  for (size_t i = 0; i < n; ++i) {
    groups[i] = {i};
    const Entry& e = entries_[position_.at(ids[i])];
    const auto& apart = apart_.partners(ids[i]);
    for (size_t j = 0; j < i; ++j)
      sum[i][j] = sum[j][i] = e.photo_id == entries_[position_.at(ids[j])].photo_id || apart.count(ids[j])
                                  ? std::numeric_limits<double>::infinity()
                                  : std::sqrt(squared_distance(vector_of(ids[i]), vector_of(ids[j])));
  }
  std::vector<bool> alive(n, true);
  auto join = [&](size_t a, size_t b) {
    groups[a].insert(groups[a].end(), groups[b].begin(), groups[b].end());
    alive[b] = false;
    for (size_t k = 0; k < n; ++k) sum[a][k] = sum[k][a] = sum[a][k] + sum[b][k];
  };
  // The faces a user placed are one group from the start: no regrouping undoes a correction.
  size_t held = n;
  for (size_t i = 0; i < n; ++i) {
    if (!confirmed_.count(ids[i])) continue;
    if (held == n)
      held = i;
    else
      join(held, i);
  }
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
    join(a, b);
  }
  std::vector<std::vector<std::string>> out;
  for (size_t i = 0; i < n; ++i) {
    if (!alive[i]) continue;
    out.emplace_back();
    for (size_t x : groups[i]) out.back().push_back(ids[x]);
  }
  // Largest first, except that the group of the faces a user placed keeps the person.
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.size() > y.size(); });
  if (held != n) {
    const auto placed = std::find_if(out.begin(), out.end(), [&](const auto& g) {
      return std::find(g.begin(), g.end(), ids[held]) != g.end();
    });
    std::rotate(out.begin(), placed, placed + 1);
  }
  return out;
}

std::vector<NearPersons> FaceCollection::near_persons(float loosest, std::stop_token stop) const {
  return near_persons_of(loosest, nullptr, kNeighbourProbes, stop);
}

std::vector<NearPersons> FaceCollection::near_persons(float loosest, const std::set<std::string>& persons,
                                                      std::stop_token stop) const {
  return near_persons_of(loosest, &persons, kMaxLinkageFaces, stop);
}

std::vector<NearPersons> FaceCollection::near_persons_of(float loosest, const std::set<std::string>* persons,
                                                         size_t probes, const std::stop_token& stop) const {
  refresh();
  std::shared_lock lock(mutex_);
  if (rule_ != GroupingRule::Linkage) return {};
  std::vector<std::pair<const std::string*, const std::vector<std::string>*>> todo;
  visit_persons(person_faces_, persons, [&](const std::string& person, const std::vector<std::string>& faces) {
    todo.emplace_back(&person, &faces);
  });
  // Every core looks around its share of the persons (the index is only read, under this lock);
  // a pair that two of them found, one from each side, is kept once.
  const size_t threads =
      std::clamp<size_t>(todo.size() / kPersonsPerThread, 1, std::max(1u, std::thread::hardware_concurrency()));
  auto look_around = [&](size_t first) {
    std::vector<NearPersons> out;
    std::set<std::pair<std::string, std::string>> seen;
    for (size_t i = first; i < todo.size() && !stop.stop_requested(); i += threads) {
      const std::string& person = *todo[i].first;
      const std::vector<std::string>& mine = *todo[i].second;
      for (const float* probe : spread_sample(mine, probes))
        for (const auto& [distance, slot] : index_.within(probe, linkage_distance(loosest, SIZE_MAX), kQuestionBreadth)) {
          const std::string& other = entries_[slot].person_id;
          if (other == person || !seen.insert(std::minmax(person, other)).second) continue;
          const auto& theirs = person_faces_.at(other);
          const auto distances = linkage_distances(mine, theirs);
          if (distances.mean > linkage_distance(loosest, mine.size() * theirs.size())) continue;
          if (share_a_photo(mine, theirs)) continue;
          const float similarity = linkage_similarity(distances.mean, mine.size() * theirs.size());
          const bool apart = held_apart(mine, other);
          // In personId order, so that a pair reads the same in every list.
          const bool mine_first = person < other;
          NearPersons pair = mine_first ? NearPersons{person, other, similarity, mine.size(), theirs.size(), apart}
                                        : NearPersons{other, person, similarity, theirs.size(), mine.size(), apart};
          // Only the smaller person's: a face of the larger one nearer the smaller says the smaller
          // is a piece of it, which the pair's own question asks.
          auto keep = [&](std::optional<FaceNearerOther> face) {
            if (face) pair.nearer_faces.push_back(std::move(*face));
          };
          if (mine.size() <= theirs.size())
            keep(face_nearer_other(mine, other, theirs.size(), distances.a_faces, distances.a_to_b, !mine_first));
          if (theirs.size() <= mine.size())
            keep(face_nearer_other(theirs, person, mine.size(), distances.b_faces, distances.b_to_a, mine_first));
          out.push_back(std::move(pair));
        }
    }
    return out;
  };
  std::vector<std::future<std::vector<NearPersons>>> others;
  for (size_t t = 1; t < threads; ++t) others.push_back(std::async(std::launch::async, look_around, t));
  std::vector<NearPersons> out = look_around(0);
  for (auto& other : others)
    for (auto& pair : other.get()) out.push_back(std::move(pair));
  auto key = [](const NearPersons& n) { return std::tie(n.person_id, n.other_person_id); };
  std::sort(out.begin(), out.end(), [&](const NearPersons& a, const NearPersons& b) { return key(a) < key(b); });
  out.erase(std::unique(out.begin(), out.end(), [&](const NearPersons& a, const NearPersons& b) { return key(a) == key(b); }),
            out.end());
  return out;
}

std::vector<StrayFace> FaceCollection::stray_faces(float threshold, float odd_one_out) const {
  return stray_faces_of(threshold, odd_one_out, nullptr);
}

std::vector<StrayFace> FaceCollection::stray_faces(float threshold, float odd_one_out,
                                                   const std::set<std::string>& persons) const {
  return stray_faces_of(threshold, odd_one_out, &persons);
}

std::vector<StrayFace> FaceCollection::stray_faces_of(float threshold, float odd_one_out,
                                                      const std::set<std::string>* persons) const {
  refresh();
  std::shared_lock lock(mutex_);
  std::vector<StrayFace> out;
  if (rule_ != GroupingRule::Linkage) return out;
  auto look_within = [&](const std::string& person, const std::vector<std::string>& ids) {
    if (ids.size() < 2) return;
    std::vector<float> similarity;  // each face's to the rest of the person
    std::vector<std::string> others;
    for (const auto& id : ids) {
      others.clear();
      for (const auto& other : ids)
        if (other != id) others.push_back(other);
      const float d = mean_distance(vector_of(id), spread_sample(others, kMaxLinkageFaces));
      similarity.push_back(linkage_similarity(d, others.size()));
    }
    // The two lowest, so that each face is set against the lowest of the others.
    const size_t lowest = std::min_element(similarity.begin(), similarity.end()) - similarity.begin();
    float second_lowest = 100;
    for (size_t i = 0; i < similarity.size(); ++i)
      if (i != lowest) second_lowest = std::min(second_lowest, similarity[i]);
    for (size_t i = 0; i < ids.size(); ++i) {
      // Of two faces, the one that came second is asked about: the first founded the person.
      if (confirmed_.count(ids[i]) || (ids.size() == 2 && i == 0)) continue;
      const float least_other = i == lowest ? second_lowest : similarity[lowest];
      const float below_the_rest =
          ids.size() < 3 ? 0 : similarity_logit(least_other) - similarity_logit(similarity[i]);
      if (similarity[i] < threshold || below_the_rest >= odd_one_out)
        out.push_back({ids[i], person, similarity[i], below_the_rest, ids.size()});
    }
  };
  visit_persons(person_faces_, persons, look_within);
  return out;
}

std::unordered_map<std::string, uint64_t> FaceCollection::person_signatures() const {
  refresh();
  std::shared_lock lock(mutex_);
  std::unordered_map<std::string, uint64_t> out;
  out.reserve(person_faces_.size());
  const std::hash<std::string> hash;
  // splitmix64's finaliser: a sum of such words tells sets apart whatever the faces' order.
  auto mixed = [](uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  };
  for (const auto& [person, ids] : person_faces_) {
    uint64_t signature = ids.size();
    for (const auto& id : ids) {
      uint64_t apart = 0;
      for (const auto& partner : apart_.partners(id)) apart += mixed(hash(partner));
      signature += mixed(hash(id) ^ mixed(hash(entries_[position_.at(id)].photo_id)) ^ mixed(apart) ^ confirmed_.count(id));
    }
    out.emplace(person, signature);
  }
  return out;
}

}  // namespace beetroot
