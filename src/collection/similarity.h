#pragma once
#include <cstddef>

namespace beetroot {

// Similarity in percent from the Euclidean distance of two descriptors: a logistic curve,
// strictly decreasing, anchored on LFW measurements (see docs/faces-and-persons.md, "What 95 means"):
//   95 at the distance whose false-match rate over all different-person LFW pairs is about 1e-4,
//   80 at the distance that best separates LFW's same and different pairs.
float similarity_from_distance(float distance);
float distance_for_similarity(float similarity);
// The log-odds of a similarity, log(s / (100 - s)): linear in the distance. Clamped short of 0 and 100.
float similarity_logit(float similarity);

// The mean distance at which a decision resting on `evidence` face pairs keeps the false-match
// rate that `similarity` gives one pair. Different-person distances scatter around a mean with
// correlated errors (the pairs share faces), so the spread of their mean shrinks as
// sqrt(rho + (1 - rho) / n) and the accepted distance moves towards the different-person mean.
float linkage_distance(float similarity, size_t evidence);
// Its inverse: the similarity of one pair whose false-match rate a mean distance over `evidence`
// pairs has.
float linkage_similarity(float mean_distance, size_t evidence);

}  // namespace beetroot
