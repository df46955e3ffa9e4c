#pragma once
#include <memory>
#include <vector>

#include "inference/compute.h"

namespace beetroot {

class WeightMap;

// A detection as fractions of the net input's height (top, bottom) and width (left, right).
struct SsdBox {
  float score;
  float top, left, bottom, right;
};

// SSD MobileNetV1 face detector (face-api's ssd_mobilenetv1_model). It was trained on 512x512
// inputs, but it is fully convolutional: on a larger input its anchors keep the pixel sizes they
// have at 512, on the grids the net produces for that input (ssd_anchors).
class SsdDetector {
 public:
  static constexpr int kTrainedSize = 512;

  explicit SsdDetector(const WeightMap& weights);
  ~SsdDetector();

  static constexpr int kGrids = 6;
  // Quantised: every layer after the first in 8-bit integers (ConvSpec::quantised).
  enum class Precision { F32, Quantised };

  // input: height x width RGB normalised to [-1, 1]. Returns boxes after NMS, best first.
  // `grids`: only the finest ones are read; 1 stops after the stride-16 grid, whose anchors are
  // the smallest (51 and 102 px), and saves a fifth of the work.
  std::vector<SsdBox> detect(Cores::Lease& lease, const float* input, int height, int width, float min_score,
                             float iou_threshold = 0.5f, int max_results = 100, int grids = kGrids,
                             Precision precision = Precision::F32);
  // Raw decoded boxes [ymin,xmin,ymax,xmax] (fractions) and face scores for the anchors read.
  void forward(Cores::Lease& lease, const float* input, int height, int width, std::vector<float>& boxes,
               std::vector<float>& scores, int grids = kGrids, Precision precision = Precision::F32);
  // The anchor table shipped with the weights, for 512x512 ([ymin,xmin,ymax,xmax] fractions).
  const std::vector<float>& trained_anchors() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The anchors of a height x width input as TF's multiple-grid anchor generator makes them at
// 512x512 (6 grids, scales 0.2-0.95, aspect ratios 1, 2, 1/2, 3, 1/3 and one interpolated scale;
// 3 anchors in the finest grid), kept at their pixel sizes on the grids a larger input gives; a
// grid cell's centre follows TF's 'same' padding of odd sizes. [ymin,xmin,ymax,xmax] fractions.
std::vector<float> ssd_anchors(int height, int width);

// face-api's greedy non-maximum suppression, faithful to its quirks.
std::vector<int> non_max_suppression(const std::vector<float>& boxes, const std::vector<float>& scores, int max_out,
                                     float iou_threshold, float score_threshold);

}  // namespace beetroot
