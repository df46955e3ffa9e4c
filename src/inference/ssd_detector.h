#pragma once
#include <memory>
#include <vector>

#include "inference/layers.h"

namespace beetroot {

class WeightMap;

// A detection in the coordinates of the 512x512 net input, as fractions 0..1.
struct SsdBox {
  float score;
  float top, left, bottom, right;
};

// SSD MobileNetV1 face detector (face-api's ssd_mobilenetv1_model) on a fixed 512x512 input.
class SsdDetector {
 public:
  static constexpr int kInputSize = 512;
  static constexpr int kAnchors = 5118;

  explicit SsdDetector(const WeightMap& weights);
  ~SsdDetector();

  // input: 512x512 RGB normalised to [-1, 1]. Returns boxes after NMS, best first.
  std::vector<SsdBox> detect(const float* input, ThreadPool& pool, float min_score, float iou_threshold = 0.5f,
                             int max_results = 100);
  // Raw decoded boxes [ymin,xmin,ymax,xmax] and face scores for all anchors (for parity tests).
  void forward(const float* input, ThreadPool& pool, std::vector<float>& boxes, std::vector<float>& scores);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// face-api's greedy non-maximum suppression, faithful to its quirks.
std::vector<int> non_max_suppression(const std::vector<float>& boxes, const std::vector<float>& scores, int max_out,
                                     float iou_threshold, float score_threshold);

}  // namespace beetroot
