#include "inference/descriptor.h"

#include <cmath>
#include <cstddef>
#include <tuple>

namespace beetroot {

float squared_distance(const float* a, const float* b) {
  float sum = 0;
  // Lets the compiler vectorise the sum (reordering float additions), 4-8x faster than in order.
#pragma omp simd reduction(+ : sum)
  for (size_t k = 0; k < std::tuple_size_v<Descriptor>; ++k) sum += (a[k] - b[k]) * (a[k] - b[k]);
  return sum;
}

float descriptor_distance(const Descriptor& a, const Descriptor& b) { return std::sqrt(squared_distance(a.data(), b.data())); }

}  // namespace beetroot
