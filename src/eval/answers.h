#pragma once
#include <string>
#include <vector>

#include "eval/grouping.h"

namespace beetroot {

// Persons as a user sees them after some answers.
struct AnswerPoint {
  size_t answers;
  size_t clicks;  // an answer is one, a which-are-person answer one more for each person chosen
  GroupingScore score;  // every photo
  size_t persons_of_two_or_more;  // the persons on the main grid, which a user looks at
};

struct AnswerCurves {
  size_t photos = 0, identities = 0;
  std::vector<AnswerPoint> asked;   // answering the People page's questions, best first
  std::vector<AnswerPoint> random;  // as many random merge/move corrections
  // The ceiling of any order of these questions: only those whose answer is yes, in the app's
  // order (the others are answered no without being counted).
  std::vector<AnswerPoint> only_yes;
  size_t questions_left = 0;        // after the last answer
};

// A personal-library-like mix of LFW: `people` people with 4 or more photos (up to 12 of each)
// and `strangers` people of one photo, drawn with the seed.
std::vector<std::string> library_mix(const std::vector<std::string>& images, size_t people, size_t strangers,
                                     unsigned seed);

// Files the photos as ingestion does, then answers questions from the true labels one at a time as
// a patient user would (Questions::next, then Questions::answer), scoring the persons at each
// checkpoint; again from the same filing with random corrections instead (a face picked at
// random, moved out of a person of someone else or its person merged with another of its own);
// and once more counting only the questions whose answer is yes.
AnswerCurves evaluate_answers(const DescriptorMap& descriptors, const std::vector<std::string>& photos,
                              float threshold, unsigned seed, const std::vector<size_t>& checkpoints);

}  // namespace beetroot
