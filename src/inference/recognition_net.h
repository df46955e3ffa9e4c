#pragma once
#include <array>
#include <memory>
#include <vector>

#include "inference/compute.h"
#include "inference/descriptor.h"

namespace beetroot {

class WeightMap;

// dlib's ResNet-34-style face recognition net as shipped by face-api, 150x150 input.
class RecognitionNet {
 public:
  static constexpr int kInputSize = 150;
  static constexpr size_t kInputFloats = static_cast<size_t>(kInputSize) * kInputSize * 3;
  explicit RecognitionNet(const WeightMap& weights);
  ~RecognitionNet();
  // inputs: n chips of 150x150 RGB, (x - mean) / 255, one after another. One descriptor each.
  std::vector<Descriptor> run(Cores::Lease& lease, const float* inputs, int n);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace beetroot
