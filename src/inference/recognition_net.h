#pragma once
#include <array>
#include <memory>

namespace beetroot {

class ThreadPool;
class WeightMap;

using Descriptor = std::array<float, 128>;

// dlib's ResNet-34-style face recognition net as shipped by face-api, 150x150 input.
class RecognitionNet {
 public:
  static constexpr int kInputSize = 150;
  explicit RecognitionNet(const WeightMap& weights);
  ~RecognitionNet();
  // input: 150x150 RGB, (x - mean) / 255.
  Descriptor run(const float* input, ThreadPool& pool);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace beetroot
