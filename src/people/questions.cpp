#include "people/questions.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "base/error.h"

namespace beetroot {
namespace {

// Persons whose faces come this near on average (similarity in percent) are worth a question.
constexpr float kAskFromSimilarity = 60;
// When more than one person in this many changed, the near persons are searched for anew.
constexpr size_t kFullSearchShare = 8;

// The chance that two groups of faces of this (evidence-weighed) similarity are one person, among
// the near pairs a library leaves unmerged: even at 90, four times as steep as the similarity's
// own logistic curve for a single face, and steeper by the square root of the smaller group's
// faces, as a mean over more faces strays less. Chosen with `beetroot eval answers`
// (bench/results/2026-12-06-questions.md): the similarity's own curve ranked big persons of
// strangers first and wasted the answers; without the square root, pairs of big persons at 82-89 %
// still came first and were all "no".
double chance_of_one_person(float similarity, size_t fewer_faces) {
  constexpr double kEven = 90, kSteepness = 4;
  auto logit = [](double s) { return std::log(s / (100 - s)); };
  const double steepness = kSteepness * std::sqrt(static_cast<double>(std::max<size_t>(fewer_faces, 1)));
  return 1 / (1 + std::exp(-steepness * (logit(similarity) - logit(kEven))));
}

}  // namespace

const char* to_string(Question::Kind kind) {
  switch (kind) {
    case Question::Kind::SamePerson: return "same-person";
    case Question::Kind::IsThisPerson: return "is-this-person";
    case Question::Kind::BelongsToPerson: return "belongs-to-person";
  }
  return "same-person";
}

Question::Kind parse_question_kind(const std::string& name) {
  for (auto kind : {Question::Kind::SamePerson, Question::Kind::IsThisPerson, Question::Kind::BelongsToPerson})
    if (name == to_string(kind)) return kind;
  throw Error(ErrorKind::InvalidParameter, "kind must be same-person, is-this-person or belongs-to-person");
}

Questions::Questions(People& people, FaceCollection& collection, float threshold)
    : people_(people), collection_(collection), threshold_(threshold) {}

std::shared_ptr<const Questions::Pool> Questions::pool() const {
  std::lock_guard lock(pool_mutex_);
  const int64_t revision = collection_.revision();  // before the search: a write during it is seen next time
  if (pool_ && pool_->revision == revision) return pool_;
  // The first pool is an update of an empty one: every person is new, so the whole search runs.
  pool_ = std::make_shared<const Pool>(updated(pool_ ? *pool_ : Pool{}, revision, collection_.person_signatures()));
  return pool_;
}

Questions::Pool Questions::updated(const Pool& before, int64_t revision,
                                   std::unordered_map<std::string, uint64_t> signatures) const {
  std::set<std::string> changed;  // new, or not what they were
  for (const auto& [person, signature] : signatures)
    if (const auto was = before.signatures.find(person); was == before.signatures.end() || was->second != signature)
      changed.insert(person);
  // Looking again around a changed person probes up to 8x as many of its faces as a full search
  // does: past an eighth of the persons, the full search is the cheaper.
  if (changed.size() * kFullSearchShare > signatures.size())
    return {revision, std::move(signatures), collection_.near_persons(kAskFromSimilarity), collection_.stray_faces(threshold_)};
  Pool pool{revision, std::move(signatures), collection_.near_persons(kAskFromSimilarity, changed),
            collection_.stray_faces(threshold_, changed)};
  auto stale = [&](const std::string& person) { return changed.count(person) || !pool.signatures.count(person); };
  for (const auto& pair : before.near)
    if (!stale(pair.person_id) && !stale(pair.other_person_id)) pool.near.push_back(pair);
  for (const auto& stray : before.strays)
    if (!stale(stray.person_id)) pool.strays.push_back(stray);
  return pool;
}

std::vector<Question> Questions::next(size_t limit) const {
  // What users said of persons: names, and whom they hid (not worth their time).
  std::map<std::string, PersonSummary> said;
  for (auto& p : people_.list(PeopleOrder::Name, {}, 0, SIZE_MAX).people)
    if (!p.name.empty() || p.hidden) said.emplace(p.person_id, std::move(p));
  auto name_of = [&](const std::string& id) { return said.count(id) ? said.at(id).name : std::string(); };
  auto hidden = [&](const std::string& id) { return said.count(id) && said.at(id).hidden; };

  const auto pool = this->pool();
  std::vector<Question> out;
  for (const auto& pair : pool->near) {
    if (hidden(pair.person_id) || hidden(pair.other_person_id)) continue;
    const bool named = !name_of(pair.person_id).empty(), other_named = !name_of(pair.other_person_id).empty();
    if (named && other_named) continue;  // two names given are the user's call already
    Question q{named || other_named ? Question::Kind::IsThisPerson : Question::Kind::SamePerson,
               named ? pair.other_person_id : pair.person_id,
               named ? pair.person_id : pair.other_person_id,
               "",
               pair.similarity,
               chance_of_one_person(pair.similarity, std::min(pair.faces, pair.other_faces)) *
                   static_cast<double>(pair.faces * pair.other_faces)};
    out.push_back(std::move(q));
  }
  for (const auto& stray : pool->strays) {
    if (hidden(stray.person_id)) continue;
    out.push_back({Question::Kind::BelongsToPerson, stray.person_id, "", stray.face_id, stray.similarity,
                   (1 - chance_of_one_person(stray.similarity, 1)) * static_cast<double>(stray.person_faces - 1)});
  }
  std::sort(out.begin(), out.end(), [](const Question& a, const Question& b) {
    return a.worth != b.worth ? a.worth > b.worth : a.similarity > b.similarity;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

void Questions::answer(const Question& q, bool yes) {
  if (q.kind == Question::Kind::BelongsToPerson) {
    const auto face = collection_.face(q.face_id);
    if (!face || face->person_id != q.person_id)
      throw Error(ErrorKind::NotFound, "face " + q.face_id + " is no longer in person " + q.person_id);
    if (yes)
      people_.confirm_face(q.face_id);
    else
      people_.not_this_person(q.face_id, q.person_id);
    return;
  }
  if (q.person_id == q.other_person_id) throw Error(ErrorKind::InvalidParameter, "a question is about two persons");
  if (!yes) return people_.keep_apart(q.person_id, q.other_person_id);
  const auto one = people_.get(q.person_id), other = people_.get(q.other_person_id);
  // The named person keeps its id, else the larger one.
  const bool other_survives = !other.name.empty() || (one.name.empty() && other.face_count > one.face_count);
  if (other_survives)
    people_.merge(other.person_id, {one.person_id});
  else
    people_.merge(one.person_id, {other.person_id});
}

}  // namespace beetroot
