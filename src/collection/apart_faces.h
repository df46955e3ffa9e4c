#pragma once
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "collection/face_record.h"

namespace beetroot {

// The pairs of faces users said are of different people, as a collection's index holds them:
// for each face, the faces it must never share a person with.
class ApartFaces {
 public:
  void apply(const FacePairRuling& ruling);
  void clear() { partners_.clear(); }
  // The faces held apart from `face_id` (empty if none).
  const std::unordered_set<std::string>& partners(const std::string& face_id) const;
  bool empty() const { return partners_.empty(); }

 private:
  std::unordered_map<std::string, std::unordered_set<std::string>> partners_;
};

}  // namespace beetroot
