#pragma once
// A face's 128-D descriptor from the recognition net, and the distance every comparison of faces
// (similarity, grouping, the vector index) is made of.
#include <array>

namespace beetroot {

using Descriptor = std::array<float, 128>;

// Squared Euclidean distance of two 128-D descriptors.
float squared_distance(const float* a, const float* b);
// Euclidean distance of two descriptors.
float descriptor_distance(const Descriptor& a, const Descriptor& b);

}  // namespace beetroot
