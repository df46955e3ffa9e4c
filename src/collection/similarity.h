#pragma once

namespace beetroot {

// Similarity in percent from the Euclidean distance of two descriptors: a logistic curve,
// strictly decreasing, anchored on LFW measurements (see README, "What 95 means"):
//   95 at the distance whose false-match rate over all different-person LFW pairs is about 1e-4,
//   80 at the distance that best separates LFW's same and different pairs.
float similarity_from_distance(float distance);
float distance_for_similarity(float similarity);

}  // namespace beetroot
