#include "people/questions.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "base/error.h"
#include "collection/similarity.h"

namespace beetroot {
namespace {

// Persons whose faces come this near on average (similarity in percent) are worth a question.
constexpr float kAskFromSimilarity = 60;
// Persons of this many faces or fewer are pieces: asked about together, whatever their size.
constexpr size_t kPieceFaces = 2;
// A which-are-person question shows persons at least this likely to be its person.
constexpr double kLeastCandidateChance = 0.05;
// When more than one person in this many changed, the near persons are searched for anew.
constexpr size_t kFullSearchShare = 8;
// A face this far below every other face of its person (in log-odds of their similarity to the
// rest) is the odd one out, asked about though above the threshold: in the LFW libraries of seeds
// 1-3, three of the six that far below were someone else's, filed at 95-97 % into a person whose
// own faces sit at 98-99 %, and nothing else found them. Its answer is counted as worth less than
// that half (chosen with `beetroot eval answers`, bench/results/2026-12-07-which-of-these.md).
constexpr float kOddOneOut = 0.8f;
constexpr double kOddOneOutIsElsewhere = 0.3;

// The chance that two groups of faces of this (evidence-weighed) similarity are one person, among
// the near pairs a library leaves unmerged: a logistic curve in the similarity's logit, even at 90
// and four times as steep as the similarity's own curve, steeper by the square root of the smaller
// group's faces, as a mean over more faces strays less. Chosen with `beetroot eval answers`
// (bench/results/2026-12-06-questions.md): the similarity's own curve ranked big persons of
// strangers first and wasted the answers. A single face near a larger person has a curve of its
// own, fitted to 4,469 near pairs and checked on the answers (2026-12-07-which-of-these.md): next
// to a person of 2-3 faces it is that person from 85 % on (a library splits one person into small
// pieces), next to one of 4 or more the similarity decides almost outright.
//
// Where users said two persons are different, the descriptor puts strangers that near in that part
// of the face space (it crowds the faces of some groups of people): a pair no nearer than a
// stranger ruled out of either of its persons is no better than even. One answer's lesson, used at
// once: on LFW it saved a wasted "no" among the first 16 answers of two seeds of ten, and cost one
// answer of 25 on another (bench/results/2026-12-07-strangers-ruled-out.md).
double chance_of_one_person(float similarity, size_t fewer_faces, size_t more_faces, float nearest_stranger = 0) {
  double even = 90, steepness = 4;
  if (fewer_faces <= 1 && more_faces >= 2) {
    even = more_faces <= 3 ? 85 : 91;
    steepness = more_faces <= 3 ? 6 : 5;
  }
  even = std::max(even, static_cast<double>(nearest_stranger));
  steepness *= std::sqrt(static_cast<double>(std::max<size_t>(fewer_faces, 1)));
  return 1 / (1 + std::exp(-steepness * (similarity_logit(similarity) - similarity_logit(static_cast<float>(even)))));
}

// A person that may be `person`, and what asking about it is worth.
struct Candidate {
  std::string person_id;
  float similarity;
  double chance, worth;
  bool piece;  // smaller than `person`, or both of a few faces: shown as one face among others
};

// The questions about the persons that may be `person`: the likeliest pieces together in one
// which-are-person question where there are two or more, every other one in a pair question.
void ask_about(const std::string& person, bool named, std::vector<Candidate> candidates, std::vector<Question>& out) {
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.piece != b.piece) return a.piece;
    return a.chance != b.chance ? a.chance > b.chance : a.person_id < b.person_id;
  });
  size_t together = 0;
  while (together < std::min(candidates.size(), Questions::kMostCandidates) && candidates[together].piece &&
         candidates[together].chance >= kLeastCandidateChance)
    ++together;
  if (together < 2) together = 0;  // a lone piece is asked about as a pair
  if (together > 0) {
    Question q{Question::Kind::WhichArePerson, person, "", "", candidates.front().similarity, 0, {}};
    for (size_t i = 0; i < together; ++i) {
      q.candidates.push_back(candidates[i].person_id);
      q.worth += candidates[i].worth;
    }
    out.push_back(std::move(q));
  }
  for (size_t i = together; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    // The unnamed person first; two unnamed in personId order, so that a pair reads the same in every list.
    const bool person_first = !named && person < c.person_id;
    out.push_back({named ? Question::Kind::IsThisPerson : Question::Kind::SamePerson,
                   person_first ? person : c.person_id, person_first ? c.person_id : person, "", c.similarity, c.worth,
                   {}});
  }
}

}  // namespace

const char* to_string(Question::Kind kind) {
  switch (kind) {
    case Question::Kind::SamePerson: return "same-person";
    case Question::Kind::IsThisPerson: return "is-this-person";
    case Question::Kind::BelongsToPerson: return "belongs-to-person";
    case Question::Kind::WhichArePerson: return "which-are-person";
  }
  return "same-person";
}

Question::Kind parse_question_kind(const std::string& name) {
  for (auto kind : {Question::Kind::SamePerson, Question::Kind::IsThisPerson, Question::Kind::BelongsToPerson,
                    Question::Kind::WhichArePerson})
    if (name == to_string(kind)) return kind;
  throw Error(ErrorKind::InvalidParameter,
              "kind must be same-person, is-this-person, belongs-to-person or which-are-person");
}

Questions::Questions(People& people, FaceCollection& collection, float threshold)
    : people_(people), collection_(collection), threshold_(threshold) {}

std::shared_ptr<const Questions::Pool> Questions::pool(const std::stop_token& stop) const {
  std::lock_guard lock(pool_mutex_);
  const int64_t revision = collection_.revision();  // before the search: a write during it is seen next time
  if (pool_ && pool_->revision == revision) return pool_;
  // The first pool is an update of an empty one: every person is new, so the whole search runs.
  Pool found = updated(pool_ ? *pool_ : Pool{}, revision, collection_.person_signatures(), stop);
  if (stop.stop_requested()) return nullptr;  // half a search is no pool
  pool_ = std::make_shared<const Pool>(std::move(found));
  return pool_;
}

Questions::Pool Questions::updated(const Pool& before, int64_t revision,
                                   std::unordered_map<std::string, uint64_t> signatures,
                                   const std::stop_token& stop) const {
  std::set<std::string> changed;  // new, or not what they were
  for (const auto& [person, signature] : signatures)
    if (const auto was = before.signatures.find(person); was == before.signatures.end() || was->second != signature)
      changed.insert(person);
  // Looking again around a changed person probes up to 8x as many of its faces as a full search
  // does: past an eighth of the persons, the full search is the cheaper.
  if (changed.size() * kFullSearchShare > signatures.size())
    return {revision, std::move(signatures), collection_.near_persons(kAskFromSimilarity, stop),
            collection_.stray_faces(threshold_, kOddOneOut)};
  Pool pool{revision, std::move(signatures), collection_.near_persons(kAskFromSimilarity, changed, stop),
            collection_.stray_faces(threshold_, kOddOneOut, changed)};
  auto stale = [&](const std::string& person) { return changed.count(person) || !pool.signatures.count(person); };
  for (const auto& pair : before.near)
    if (!stale(pair.person_id) && !stale(pair.other_person_id)) pool.near.push_back(pair);
  for (const auto& stray : before.strays)
    if (!stale(stray.person_id)) pool.strays.push_back(stray);
  return pool;
}

std::shared_ptr<const Questions::Ranked> Questions::ranked(const std::stop_token& stop) const {
  Said said;
  for (auto& p : people_.named_or_hidden()) said.emplace(p.person_id, std::make_pair(std::move(p.name), p.hidden));
  const auto pool = this->pool(stop);
  if (!pool) return nullptr;
  // Ranked again only when the pool or what users said changed: asking again is then a copy.
  std::lock_guard lock(ranked_mutex_);
  if (!ranked_ || ranked_->pool != pool || ranked_->said != said)
    ranked_ = std::make_shared<const Ranked>(Ranked{pool, said, rank(*pool, said)});
  return ranked_;
}

std::vector<Question> Questions::next(size_t limit) const {
  const auto& all = ranked({})->questions;
  return {all.begin(), all.begin() + static_cast<long>(std::min(limit, all.size()))};
}

void Questions::prepare(std::stop_token stop) const { ranked(stop); }

std::vector<Question> Questions::rank(const Pool& pool, const Said& said) {
  auto name_of = [&](const std::string& id) {
    const auto found = said.find(id);
    return found == said.end() ? std::string() : found->second.first;
  };
  auto hidden = [&](const std::string& id) {  // not worth the user's time
    const auto found = said.find(id);
    return found != said.end() && found->second.second;
  };
  std::vector<Question> out;
  std::map<std::string, std::vector<Candidate>> candidates;  // by the person they may be: named, else larger
  std::unordered_map<std::string, float> nearest_stranger;  // by person: the nearest one users ruled out
  for (const auto& pair : pool.near)
    if (pair.held_apart)
      for (const auto* id : {&pair.person_id, &pair.other_person_id})
        nearest_stranger[*id] = std::max(nearest_stranger[*id], pair.similarity);
  auto nearest_stranger_of = [&](const std::string& id) {
    const auto found = nearest_stranger.find(id);
    return found == nearest_stranger.end() ? 0.0f : found->second;
  };
  for (const auto& pair : pool.near) {
    if (pair.held_apart || hidden(pair.person_id) || hidden(pair.other_person_id)) continue;
    const bool named = !name_of(pair.person_id).empty(), other_named = !name_of(pair.other_person_id).empty();
    if (named && other_named) continue;  // two names given are the user's call already
    const bool other_is_asked = named || (!other_named && pair.other_faces <= pair.faces);
    const float stranger = std::max(nearest_stranger_of(pair.person_id), nearest_stranger_of(pair.other_person_id));
    double chance = chance_of_one_person(pair.similarity, std::min(pair.faces, pair.other_faces),
                                         std::max(pair.faces, pair.other_faces), stranger);
    // A face nearer the other person than its own may be the one face they share: the two are
    // one person only if the rest of its person is the other too.
    for (const auto& face : pair.nearer_faces) {
      const size_t rest = (face.of_other ? pair.other_faces : pair.faces) - 1;
      const size_t others = face.of_other ? pair.faces : pair.other_faces;
      chance = std::min(chance, chance_of_one_person(face.rest_similarity, std::min(rest, others),
                                                     std::max(rest, others), stranger));
    }
    const size_t asked_faces = other_is_asked ? pair.other_faces : pair.faces;
    const size_t its_faces = other_is_asked ? pair.faces : pair.other_faces;
    candidates[other_is_asked ? pair.person_id : pair.other_person_id].push_back(
        {other_is_asked ? pair.other_person_id : pair.person_id, pair.similarity, chance,
         chance * static_cast<double>(pair.faces * pair.other_faces),
         asked_faces < its_faces || its_faces <= kPieceFaces});
  }
  for (auto& [person, its] : candidates) ask_about(person, !name_of(person).empty(), std::move(its), out);
  // A face nearer a larger person than the rest of its own: a yes joins it to the one and parts it
  // from the other. On LFW it found the face of a person of two that no other question reached
  // (bench/results/2026-12-08-faces-nearer-another-person.md).
  std::map<std::string, Question> nearer;  // by face: the likeliest person it is nearer than its own
  for (const auto& pair : pool.near)
    for (const auto& face : pair.nearer_faces) {
      const std::string& target = face.of_other ? pair.person_id : pair.other_person_id;
      const std::string& own = face.of_other ? pair.other_person_id : pair.person_id;
      if (hidden(target) || hidden(own)) continue;
      const size_t target_faces = face.of_other ? pair.faces : pair.other_faces;
      const size_t own_faces = face.of_other ? pair.other_faces : pair.faces;
      const double chance = chance_of_one_person(face.similarity, 1, target_faces, nearest_stranger_of(target));
      Question q{Question::Kind::BelongsToPerson, target, "", face.face_id, face.similarity,
                 chance * static_cast<double>(target_faces + own_faces - 1), {}};
      if (const auto was = nearer.find(face.face_id); was == nearer.end() || was->second.worth < q.worth)
        nearer[face.face_id] = std::move(q);
    }
  for (auto& [face, q] : nearer) out.push_back(std::move(q));
  for (const auto& stray : pool.strays) {
    if (hidden(stray.person_id)) continue;
    const double chance_elsewhere = std::max(1 - chance_of_one_person(stray.similarity, 1, 1),
                                             stray.below_the_rest >= kOddOneOut ? kOddOneOutIsElsewhere : 0);
    out.push_back({Question::Kind::BelongsToPerson, stray.person_id, "", stray.face_id, stray.similarity,
                   chance_elsewhere * static_cast<double>(stray.person_faces - 1), {}});
  }
  std::sort(out.begin(), out.end(), [](const Question& a, const Question& b) {
    return a.worth != b.worth ? a.worth > b.worth : a.similarity > b.similarity;
  });
  return out;
}

void Questions::answer(const Question& q, bool yes) {
  if (q.kind == Question::Kind::WhichArePerson)
    throw Error(ErrorKind::InvalidParameter, "a which-are-person question is answered with the persons chosen");
  if (q.kind == Question::Kind::BelongsToPerson) {
    const auto face = collection_.face(q.face_id);
    if (!face) throw Error(ErrorKind::NotFound, "face " + q.face_id + " does not exist");
    if (!yes)
      people_.not_this_person(q.face_id, q.person_id);
    else if (face->person_id == q.person_id)
      people_.confirm_face(q.face_id);
    else
      people_.move_face(q.face_id, q.person_id);
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

void Questions::answer_which(const Question& q, const std::set<std::string>& chosen) {
  if (q.kind != Question::Kind::WhichArePerson)
    throw Error(ErrorKind::InvalidParameter, "only a which-are-person question is answered with persons chosen");
  const std::set<std::string> candidates(q.candidates.begin(), q.candidates.end());
  if (candidates.empty()) throw Error(ErrorKind::InvalidParameter, "a which-are-person question has candidates");
  if (candidates.count(q.person_id)) throw Error(ErrorKind::InvalidParameter, "a person is no candidate to be itself");
  for (const auto& person : chosen)
    if (!candidates.count(person)) throw Error(ErrorKind::InvalidParameter, "person " + person + " was not asked about");
  people_.get(q.person_id);
  for (const auto& person : candidates) people_.get(person);
  if (!chosen.empty()) people_.merge(q.person_id, {chosen.begin(), chosen.end()});
  for (const auto& person : candidates)
    if (!chosen.count(person)) people_.keep_apart(q.person_id, person);
}

}  // namespace beetroot
