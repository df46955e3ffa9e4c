// Similarity in percent, as the face API reports it, from a descriptor distance and back.
#include <gtest/gtest.h>

#include "collection/similarity.h"

namespace beetroot {
namespace {

TEST(Similarity, IsMonotoneAndInvertible) {
  float previous = 101.f;
  for (float d = 0.f; d < 1.5f; d += 0.01f) {
    const float s = similarity_from_distance(d);
    EXPECT_LT(s, previous);
    EXPECT_NEAR(distance_for_similarity(s), d, 1e-3f);
    previous = s;
  }
  EXPECT_NEAR(similarity_from_distance(distance_for_similarity(95.f)), 95.f, 1e-3f);
}

}  // namespace
}  // namespace beetroot
