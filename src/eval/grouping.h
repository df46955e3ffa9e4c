#pragma once
#include <optional>
#include <string>
#include <vector>

#include "app/stores.h"
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

// The stores `beetroot ingest` opens, with the database in memory and no thumbnails written, in a
// scratch folder removed with them.
class ScratchLibrary {
 public:
  ScratchLibrary(GroupingRule rule, float threshold);
  ~ScratchLibrary();
  Stores& stores() { return stores_; }
  // Files each photo's one face the way `beetroot ingest` does (FaceCollection::assign, then
  // People::merge_linked).
  void file(const std::vector<std::pair<std::string, Descriptor>>& photos);
  // BCubed scores of the persons as the collection holds them now, against the photos' identities.
  GroupingResult score(const std::map<std::string, std::string>& identity_of_photo) const;

 private:
  std::filesystem::path folder_;
  Stores stores_;
  float threshold_;
};

// Files every described LFW photo, one face each, the way `beetroot ingest` does
// (FaceCollection::assign, then People::merge_linked) in a seeded random order, and scores the
// persons against the labels; then, if asked, again after People::recluster.
GroupingEvaluation evaluate_grouping(const DescriptorMap& descriptors, GroupingRule rule, float threshold,
                                     unsigned seed, bool recluster);

}  // namespace beetroot
