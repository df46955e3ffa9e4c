#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "people/people.h"

namespace beetroot {

// A question for a user tidying People, and how much its answer is worth.
struct Question {
  enum class Kind {
    SamePerson,       // are these two persons one? (neither named)
    IsThisPerson,     // is this unnamed person the named other one?
    BelongsToPerson,  // is this face the person? (the one it is filed under, or one it is nearer)
    WhichArePerson,   // which of these persons are this one? (one answer settles several)
  };
  Kind kind;
  std::string person_id;        // BelongsToPerson: the person the face may be; IsThisPerson: the unnamed one
  std::string other_person_id;  // SamePerson, IsThisPerson
  std::string face_id;          // BelongsToPerson
  float similarity = 0;         // of the faces' mean distance
  // Pairs of faces one answer is expected to put right: for two persons, the chance they are one
  // times the pairs a merge joins; for a face, the chance it is someone else times the pairs its
  // move separates.
  double worth = 0;
  std::vector<std::string> candidates;  // WhichArePerson: likeliest first; person_id is the one they may be
};
const char* to_string(Question::Kind kind);
Question::Kind parse_question_kind(const std::string& name);  // Error InvalidParameter

// The questions whose answers settle the most, and what each answer does: Yes merges (the named
// or larger person keeps its id), confirms a face in its person, or moves a face into the person
// asked about; No stores the correction (People::keep_apart, People::not_this_person), so the
// question never comes back, and pairs no nearer than those strangers around the same persons are
// thought less likely. Where several smaller persons may be one person, one question asks which of
// them are: the pieces a library splits one person into are mostly single faces near it, and a
// pair question mends one at a time. A face of a small person that is nearer a larger one than
// the rest of its own is asked about alone, as the larger one's: it may be the only face the two
// share, and a "no" about its whole person would hold it apart from its own for good.
// The near persons and stray faces behind the questions are found again only when the collection
// changed, and then only for the persons that changed, unless many did.
class Questions {
 public:
  // A which-are-person question shows at most this many persons that may be one.
  static constexpr size_t kMostCandidates = 8;

  Questions(People& people, FaceCollection& collection, float threshold);
  std::vector<Question> next(size_t limit) const;
  // Finds the questions ahead of the first ask (a server does it in the background when it starts:
  // over 10,000 people the search takes seconds); stopped, it keeps nothing.
  void prepare(std::stop_token stop) const;
  // Error NotFound if a person or face of the question is gone (answered in another tab).
  void answer(const Question& question, bool yes);
  // A WhichArePerson answer: the chosen candidates merge into the question's person, the others
  // are kept apart from it. Error InvalidParameter if a chosen one is no candidate; NotFound as
  // answer(), checked before anything changes.
  void answer_which(const Question& question, const std::set<std::string>& chosen);

 private:
  // What the questions are made of, at one revision of the collection.
  struct Pool {
    int64_t revision;
    std::unordered_map<std::string, uint64_t> signatures;  // FaceCollection::person_signatures
    std::vector<NearPersons> near;
    std::vector<StrayFace> strays;
  };
  // The pool of `signatures`, from `before`: what concerns the persons that changed is found again.
  Pool updated(const Pool& before, int64_t revision, std::unordered_map<std::string, uint64_t> signatures,
               const std::stop_token& stop) const;
  std::shared_ptr<const Pool> pool(const std::stop_token& stop) const;  // null if stopped
  // What users said of persons, by personId: the name and whether they hid the person.
  using Said = std::map<std::string, std::pair<std::string, bool>>;
  // Every question of a pool, worth most first, as asked while users had said `said`.
  struct Ranked {
    std::shared_ptr<const Pool> pool;
    Said said;
    std::vector<Question> questions;
  };
  static std::vector<Question> rank(const Pool& pool, const Said& said);
  std::shared_ptr<const Ranked> ranked(const std::stop_token& stop) const;  // null if stopped

  People& people_;
  FaceCollection& collection_;
  float threshold_;
  mutable std::mutex pool_mutex_;  // one search at a time; the others wait for its pool
  mutable std::shared_ptr<const Pool> pool_;
  mutable std::mutex ranked_mutex_;  // one ranking at a time
  mutable std::shared_ptr<const Ranked> ranked_;
};

}  // namespace beetroot
