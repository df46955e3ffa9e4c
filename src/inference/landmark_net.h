#pragma once
#include <array>
#include <memory>

namespace beetroot {

class ThreadPool;
class WeightMap;

// face-api's 68-point landmark net on a 112x112 input.
class LandmarkNet {
 public:
  static constexpr int kInputSize = 112;
  explicit LandmarkNet(const WeightMap& weights);
  ~LandmarkNet();
  // input: 112x112 RGB, (x - mean) / 255. Output: 68 (x, y) pairs as fractions of the input.
  std::array<float, 136> run(const float* input, ThreadPool& pool);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace beetroot
