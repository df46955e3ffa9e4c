#pragma once
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

// Files every described LFW photo, one face each, through FaceCollection::assign (the path
// `beetroot ingest` takes) in a seeded random order, and scores the persons against the labels.
GroupingResult evaluate_grouping(const DescriptorMap& descriptors, GroupingRule rule, float threshold, unsigned seed);

}  // namespace beetroot
