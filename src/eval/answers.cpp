#include "eval/answers.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "people/questions.h"

namespace beetroot {
namespace {

// The labels, as the user knows them: who each face is, and who a person mostly is.
class Truth {
 public:
  Truth(Stores& stores, std::map<std::string, std::string> identity_of_photo)
      : stores_(stores), identity_of_photo_(std::move(identity_of_photo)) {}

  std::string of_face(const std::string& face_id) const {
    return identity_of_photo_.at(stores_.collection->face(face_id)->photo_id);
  }
  // The identity of most of the person's faces (ties: the earliest face's).
  std::string of_person(const std::string& person_id) const {
    std::map<std::string, size_t> count;
    std::string best;
    for (const auto& f : stores_.people->faces_of(person_id)) {
      const auto& identity = identity_of_photo_.at(f.photo_id);
      if (++count[identity] > count[best] || best.empty()) best = identity;
    }
    return best;
  }
  bool says_yes(const Question& q) const {
    if (q.kind == Question::Kind::BelongsToPerson) return of_face(q.face_id) == of_person(q.person_id);
    if (q.kind == Question::Kind::WhichArePerson) return !chosen(q).empty();
    return of_person(q.person_id) == of_person(q.other_person_id);
  }
  // The candidates of a WhichArePerson question that are its person.
  std::set<std::string> chosen(const Question& q) const {
    std::set<std::string> out;
    const std::string who = of_person(q.person_id);
    for (const auto& candidate : q.candidates)
      if (of_person(candidate) == who) out.insert(candidate);
    return out;
  }
  const std::map<std::string, std::string>& identity_of_photo() const { return identity_of_photo_; }

 private:
  Stores& stores_;
  std::map<std::string, std::string> identity_of_photo_;
};

AnswerPoint measure(ScratchLibrary& library, const Truth& truth, size_t answers, size_t clicks) {
  size_t shown = 0;
  for (const auto& p : library.stores().people->list(PeopleOrder::FaceCount, {}, 0, SIZE_MAX).people)
    shown += p.face_count >= 2;
  return {answers, clicks, library.score(truth.identity_of_photo()).all, shown};
}

// Answers a question as the labels say; returns the clicks it took.
size_t answer(Questions& questions, const Truth& truth, const Question& q) {
  if (q.kind != Question::Kind::WhichArePerson) {
    questions.answer(q, truth.says_yes(q));
    return 1;
  }
  const auto chosen = truth.chosen(q);
  questions.answer_which(q, chosen);
  return 1 + chosen.size();
}

// One random correction: a face at random; out of its person if that is someone else (into the
// largest person of its own, or a new one), else its person merged with another person of its own.
void correct_at_random(Stores& stores, const Truth& truth, const std::vector<std::string>& faces, std::mt19937& rng) {
  const std::string face_id = faces[std::uniform_int_distribution<size_t>(0, faces.size() - 1)(rng)];
  const std::string who = truth.of_face(face_id);
  const std::string current = stores.collection->face(face_id)->person_id;
  std::string own;  // the largest other person of the face's identity
  for (const auto& p : stores.people->list(PeopleOrder::FaceCount, {}, 0, SIZE_MAX).people)
    if (p.person_id != current && truth.of_person(p.person_id) == who) {
      own = p.person_id;
      break;
    }
  if (truth.of_person(current) != who)
    stores.people->move_face(face_id, own);
  else if (!own.empty())
    stores.people->merge(current, {own});
}

}  // namespace

std::vector<std::string> library_mix(const std::vector<std::string>& images, size_t people, size_t strangers,
                                     unsigned seed) {
  std::map<std::string, std::vector<std::string>> by_identity;
  for (const auto& image : images) by_identity[lfw_identity(image)].push_back(image);
  std::vector<std::string> repeated, single;
  for (const auto& [identity, photos] : by_identity) {
    if (photos.size() >= 4) repeated.push_back(identity);
    if (photos.size() == 1) single.push_back(identity);
  }
  std::mt19937 rng(seed);
  std::shuffle(repeated.begin(), repeated.end(), rng);
  std::shuffle(single.begin(), single.end(), rng);
  std::vector<std::string> out;
  for (size_t i = 0; i < std::min(people, repeated.size()); ++i) {
    const auto& photos = by_identity[repeated[i]];
    out.insert(out.end(), photos.begin(), photos.begin() + static_cast<long>(std::min<size_t>(photos.size(), 12)));
  }
  for (size_t i = 0; i < std::min(strangers, single.size()); ++i) out.push_back(by_identity[single[i]].front());
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

AnswerCurves evaluate_answers(const DescriptorMap& descriptors, const std::vector<std::string>& photos,
                              float threshold, unsigned seed, const std::vector<size_t>& checkpoints) {
  std::vector<std::pair<std::string, Descriptor>> described;
  std::map<std::string, std::string> identity_of_photo;
  std::set<std::string> identities;
  for (const auto& path : photos)
    if (const auto found = descriptors.find(path); found != descriptors.end() && found->second) {
      described.emplace_back(path, *found->second);
      identity_of_photo[path] = lfw_identity(path);
      identities.insert(lfw_identity(path));
    }
  AnswerCurves curves;
  curves.photos = described.size();
  curves.identities = identities.size();
  const size_t most = checkpoints.empty() ? 0 : *std::max_element(checkpoints.begin(), checkpoints.end());
  const auto level = spdlog::get_level();

  // Answers the app's questions one at a time; with `only_yes`, a question answered no is not counted.
  auto answer_questions = [&](bool only_yes, std::vector<AnswerPoint>& curve) {
    ScratchLibrary library(GroupingRule::Linkage, threshold);
    library.file(described);
    Truth truth(library.stores(), identity_of_photo);
    Questions& questions = *library.stores().questions;
    spdlog::set_level(spdlog::level::warn);
    size_t answered = 0, clicks = 0;
    for (size_t step = 0; step <= most; ++step) {
      if (std::count(checkpoints.begin(), checkpoints.end(), step))
        curve.push_back(measure(library, truth, answered, clicks));
      if (step == most) break;
      std::optional<Question> yes;
      for (auto next = questions.next(1); !next.empty(); next = questions.next(1)) {
        if (!only_yes || truth.says_yes(next.front())) {
          yes = next.front();
          break;
        }
        answer(questions, truth, next.front());
      }
      if (!yes) continue;  // nothing left to ask: the remaining checkpoints repeat the score
      clicks += answer(questions, truth, *yes);
      ++answered;
    }
    if (!only_yes) curves.questions_left = questions.next(SIZE_MAX).size();
    spdlog::set_level(level);
  };
  answer_questions(false, curves.asked);
  answer_questions(true, curves.only_yes);
  {
    ScratchLibrary library(GroupingRule::Linkage, threshold);
    library.file(described);
    Truth truth(library.stores(), identity_of_photo);
    std::vector<std::string> faces;
    for (const auto& f : library.stores().faces->faces(library.stores().collection->id())) faces.push_back(f.face_id);
    std::mt19937 rng(seed);
    spdlog::set_level(spdlog::level::warn);
    for (size_t step = 0; step <= most; ++step) {
      if (std::count(checkpoints.begin(), checkpoints.end(), step))
        curves.random.push_back(measure(library, truth, step, step));
      if (step < most) correct_at_random(library.stores(), truth, faces, rng);
    }
    spdlog::set_level(level);
  }
  return curves;
}

}  // namespace beetroot
