#include "collection/apart_faces.h"

namespace beetroot {

void ApartFaces::apply(const FacePairRuling& ruling) {
  for (const auto& [one, other] : {std::pair{&ruling.face_a, &ruling.face_b}, {&ruling.face_b, &ruling.face_a}}) {
    if (ruling.apart) {
      partners_[*one].insert(*other);
    } else if (auto found = partners_.find(*one); found != partners_.end()) {
      found->second.erase(*other);
      if (found->second.empty()) partners_.erase(found);
    }
  }
}

const std::unordered_set<std::string>& ApartFaces::partners(const std::string& face_id) const {
  static const std::unordered_set<std::string> none;
  const auto found = partners_.find(face_id);
  return found == partners_.end() ? none : found->second;
}

}  // namespace beetroot
