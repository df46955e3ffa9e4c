#pragma once
#include <optional>
#include <string>
#include <vector>

#include "collection/face_collection.h"
#include "eval/lfw.h"

namespace beetroot {

struct GroupingScore {
  double precision, recall, f1;  // BCubed
  size_t persons, identities;
  double split_share;  // identities with 2+ photos whose photos ended in more than one person
};

struct GroupingResult {
  GroupingScore all, repeated;  // every photo; only the photos of people with 2 or more
};

struct GroupingEvaluation {
  GroupingResult online;                      // as photos arrived
  std::optional<GroupingResult> reclustered;  // after `beetroot recluster`, if asked for
};

// Files every described LFW photo, one face each, the way `beetroot ingest` does
// (FaceCollection::assign, then People::merge_linked) in a seeded random order, and scores the
// persons against the labels; then, if asked, again after People::recluster.
GroupingEvaluation evaluate_grouping(const DescriptorMap& descriptors, GroupingRule rule, float threshold,
                                     unsigned seed, bool recluster);

}  // namespace beetroot
