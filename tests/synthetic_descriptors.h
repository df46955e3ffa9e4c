#pragma once
// Descriptors made to measure, for tests of grouping rules: random ones scaled like real ones, and
// neighbours at a chosen distance.
#include <cmath>
#include <random>

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

}  // namespace beetroot::test
