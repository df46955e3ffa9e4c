#pragma once
#include <array>
#include <memory>
#include <vector>

#include "inference/compute.h"

namespace beetroot {

class WeightMap;

using Landmarks68 = std::array<float, 136>;

// face-api's 68-point landmark net on a 112x112 input.
class LandmarkNet {
 public:
  static constexpr int kInputSize = 112;
  static constexpr size_t kInputFloats = static_cast<size_t>(kInputSize) * kInputSize * 3;
  explicit LandmarkNet(const WeightMap& weights);
  ~LandmarkNet();
  // inputs: n crops of 112x112 RGB, (x - mean) / 255, one after another. Output per crop: 68
  // (x, y) pairs as fractions of the input.
  std::vector<Landmarks68> run(Cores::Lease& lease, const float* inputs, int n);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace beetroot
