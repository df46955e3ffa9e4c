#pragma once
// Descriptors made to measure, for tests of grouping rules and of the vector index: random ones
// scaled like real ones, neighbours at a chosen distance, and flat arrays of many.
#include <cmath>
#include <random>
#include <vector>

#include "collection/vector_index.h"
#include "inference/descriptor.h"

namespace beetroot::test {

inline Descriptor random_descriptor(std::mt19937& rng) {
  std::normal_distribution<float> n(0, 1);
  Descriptor d;
  float norm = 0;
  for (float& v : d) {
    v = n(rng);
    norm += v * v;
  }
  for (float& v : d) v *= 0.9f / std::sqrt(norm);
  return d;
}

// A point at `distance` from `d`, in a random direction.
inline Descriptor at_distance(const Descriptor& d, float distance, std::mt19937& rng) {
  const Descriptor direction = random_descriptor(rng);
  const float scale = distance / descriptor_distance(direction, Descriptor{});
  Descriptor out;
  for (size_t i = 0; i < d.size(); ++i) out[i] = d[i] + direction[i] * scale;
  return out;
}

// `n` descriptors, one after another, spread like real ones.
inline std::vector<float> random_vectors(size_t n, std::mt19937& rng) {
  std::normal_distribution<float> normal(0, 0.07f);
  std::vector<float> v(n * VectorIndex::kDimensions);
  for (auto& x : v) x = normal(rng);
  return v;
}

// An index that switches from the exact scan to the graph at `n` faces.
inline VectorIndexOptions graph_from(size_t n) {
  VectorIndexOptions o;
  o.approximate_from = n;
  return o;
}

}  // namespace beetroot::test
