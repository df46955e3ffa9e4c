#include "inference/ssd_detector.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "inference/weights.h"

namespace beetroot {
namespace {

constexpr float kBatchNormEpsilon = 0.0010000000474974513f;

struct Stage {
  Conv2d conv;
  int in_h, in_w;
  int out_h() const { return conv.out_size(in_h); }
  int out_c() const { return conv.spec().out_channels; }
};

// Pointwise layers: conv + offset, ReLU6.
Conv2d pointwise(const WeightMap& w, const std::string& name, int kernel, int in_c, int out_c, int stride, int in_size) {
  ConvSpec spec{kernel, stride, in_c, out_c, false, same_padding(in_size, in_size, kernel, stride), 0.f, 6.f};
  return Conv2d(spec, w.get(name + "/weights", {kernel, kernel, in_c, out_c}).values,
                w.get(name + "/convolution_bn_offset", {out_c}).values);
}

// Depthwise conv with its batch norm folded into the filters, ReLU6.
Conv2d depthwise(const WeightMap& w, const std::string& name, int channels, int stride, int in_size) {
  auto filters = w.get(name + "/depthwise_weights", {3, 3, channels, 1}).values;
  const auto& gamma = w.get(name + "/BatchNorm/gamma", {channels}).values;
  const auto& beta = w.get(name + "/BatchNorm/beta", {channels}).values;
  const auto& mean = w.get(name + "/BatchNorm/moving_mean", {channels}).values;
  const auto& var = w.get(name + "/BatchNorm/moving_variance", {channels}).values;
  std::vector<float> bias(channels);
  for (int c = 0; c < channels; ++c) {
    const float s = gamma[c] / std::sqrt(var[c] + kBatchNormEpsilon);
    for (int k = 0; k < 9; ++k) filters[k * channels + c] *= s;
    bias[c] = beta[c] - mean[c] * s;
  }
  ConvSpec spec{3, stride, channels, channels, true, same_padding(in_size, in_size, 3, stride), 0.f, 6.f};
  return Conv2d(spec, filters, bias);
}

struct BoxPredictor {
  Conv2d box, cls;
  int size, anchors;
};

BoxPredictor box_predictor(const WeightMap& w, int index, int in_c, int anchors, int size) {
  const std::string p = "Prediction/BoxPredictor_" + std::to_string(index);
  ConvSpec box_spec{.in_channels = in_c, .out_channels = anchors * 4};
  ConvSpec cls_spec{.in_channels = in_c, .out_channels = anchors * 3};
  return {Conv2d(box_spec, w.get(p + "/BoxEncodingPredictor/weights", {1, 1, in_c, anchors * 4}).values,
                 w.get(p + "/BoxEncodingPredictor/biases").values),
          Conv2d(cls_spec, w.get(p + "/ClassPredictor/weights", {1, 1, in_c, anchors * 3}).values,
                 w.get(p + "/ClassPredictor/biases").values),
          size, anchors};
}

float iou(const float* a, const float* b) {
  const float ay0 = std::min(a[0], a[2]), ax0 = std::min(a[1], a[3]), ay1 = std::max(a[0], a[2]), ax1 = std::max(a[1], a[3]);
  const float by0 = std::min(b[0], b[2]), bx0 = std::min(b[1], b[3]), by1 = std::max(b[0], b[2]), bx1 = std::max(b[1], b[3]);
  const float area_a = (ay1 - ay0) * (ax1 - ax0), area_b = (by1 - by0) * (bx1 - bx0);
  if (area_a <= 0 || area_b <= 0) return 0.f;
  const float inter = std::max(std::min(ay1, by1) - std::max(ay0, by0), 0.f) *
                      std::max(std::min(ax1, bx1) - std::max(ax0, bx0), 0.f);
  return inter / (area_a + area_b - inter);
}

}  // namespace

struct SsdDetector::Impl {
  std::vector<Conv2d> backbone;  // conv_0, then depthwise/pointwise pairs 1..13
  std::vector<int> backbone_in;  // input size of each backbone conv
  std::vector<Conv2d> extra;     // Prediction/Conv2d_0..7
  std::vector<int> extra_in;
  std::vector<BoxPredictor> predictors;
  std::vector<float> anchors;
  std::vector<float> a, b, conv11, features, extra_out[8];
  std::vector<float> box_raw, cls_raw;
};

SsdDetector::SsdDetector(const WeightMap& w) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  int size = kInputSize;
  m.backbone.push_back(pointwise(w, "MobilenetV1/Conv2d_0_pointwise", 3, 3, 32, 2, size));
  m.backbone_in.push_back(size);
  size /= 2;
  const int out_channels[] = {64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
  int channels = 32;
  for (int layer = 1; layer <= 13; ++layer) {
    const int stride = (layer == 2 || layer == 4 || layer == 6 || layer == 12) ? 2 : 1;
    const std::string n = "MobilenetV1/Conv2d_" + std::to_string(layer);
    m.backbone.push_back(depthwise(w, n + "_depthwise", channels, stride, size));
    m.backbone_in.push_back(size);
    size = (size + stride - 1) / stride;
    m.backbone.push_back(pointwise(w, n + "_pointwise", 1, channels, out_channels[layer - 1], 1, size));
    m.backbone_in.push_back(size);
    channels = out_channels[layer - 1];
  }
  const int extra_channels[] = {256, 512, 128, 256, 128, 256, 64, 128};
  for (int i = 0; i < 8; ++i) {
    const int kernel = i % 2 ? 3 : 1, stride = i % 2 ? 2 : 1;
    m.extra.push_back(pointwise(w, "Prediction/Conv2d_" + std::to_string(i) + "_pointwise", kernel, channels,
                                extra_channels[i], stride, size));
    m.extra_in.push_back(size);
    size = (size + stride - 1) / stride;
    channels = extra_channels[i];
  }
  m.predictors.push_back(box_predictor(w, 0, 512, 3, 32));
  m.predictors.push_back(box_predictor(w, 1, 1024, 6, 16));
  m.predictors.push_back(box_predictor(w, 2, 512, 6, 8));
  m.predictors.push_back(box_predictor(w, 3, 256, 6, 4));
  m.predictors.push_back(box_predictor(w, 4, 256, 6, 2));
  m.predictors.push_back(box_predictor(w, 5, 128, 6, 1));
  m.anchors = w.get("Output/extra_dim", {1, kAnchors, 4}).values;
  m.a.resize(256 * 256 * 64);
  m.b.resize(256 * 256 * 64);
  m.conv11.resize(32 * 32 * 512);
  m.box_raw.resize(kAnchors * 4);
  m.cls_raw.resize(kAnchors * 3);
}

SsdDetector::~SsdDetector() = default;

void SsdDetector::forward(const float* input, ThreadPool& pool, std::vector<float>& boxes, std::vector<float>& scores) {
  Impl& m = *impl_;
  const float* in = input;
  float* out = m.a.data();
  for (size_t i = 0; i < m.backbone.size(); ++i) {
    const int s = m.backbone_in[i];
    m.backbone[i].run(in, s, s, out, pool);
    in = out;
    out = out == m.a.data() ? m.b.data() : m.a.data();
    if (i == 22) std::copy_n(in, m.conv11.size(), m.conv11.begin());  // output of pair 11's pointwise
  }
  const float* features = in;  // 16x16x1024
  const float* heads[6] = {m.conv11.data(), features};
  for (int i = 0; i < 8; ++i) {
    m.extra_out[i].resize(static_cast<size_t>(m.extra[i].out_size(m.extra_in[i])) * m.extra[i].out_size(m.extra_in[i]) *
                          m.extra[i].spec().out_channels);
    m.extra[i].run(i == 0 ? features : m.extra_out[i - 1].data(), m.extra_in[i], m.extra_in[i], m.extra_out[i].data(), pool);
  }
  heads[2] = m.extra_out[1].data();
  heads[3] = m.extra_out[3].data();
  heads[4] = m.extra_out[5].data();
  heads[5] = m.extra_out[7].data();
  size_t anchor = 0;
  for (int i = 0; i < 6; ++i) {
    BoxPredictor& p = m.predictors[i];
    p.box.run(heads[i], p.size, p.size, m.box_raw.data() + anchor * 4, pool);
    p.cls.run(heads[i], p.size, p.size, m.cls_raw.data() + anchor * 3, pool);
    anchor += static_cast<size_t>(p.size) * p.size * p.anchors;
  }
  boxes.resize(kAnchors * 4);
  scores.resize(kAnchors);
  for (int i = 0; i < kAnchors; ++i) {
    const float* a = &m.anchors[i * 4];
    const float* e = &m.box_raw[i * 4];
    const float size0 = a[2] - a[0], size1 = a[3] - a[1];
    const float center0 = a[0] + size0 / 2, center1 = a[1] + size1 / 2;
    const float half0 = std::exp(e[2] / 5) * size0 / 2, half1 = std::exp(e[3] / 5) * size1 / 2;
    const float c0 = e[0] / 10 * size0 + center0, c1 = e[1] / 10 * size1 + center1;
    boxes[i * 4 + 0] = c0 - half0;
    boxes[i * 4 + 1] = c1 - half1;
    boxes[i * 4 + 2] = c0 + half0;
    boxes[i * 4 + 3] = c1 + half1;
    scores[i] = 1.f / (1.f + std::exp(-m.cls_raw[i * 3 + 1]));
  }
}

std::vector<SsdBox> SsdDetector::detect(const float* input, ThreadPool& pool, float min_score, float iou_threshold,
                                        int max_results) {
  std::vector<float> boxes, scores;
  forward(input, pool, boxes, scores);
  std::vector<SsdBox> result;
  for (int idx : non_max_suppression(boxes, scores, max_results, iou_threshold, min_score)) {
    const float* b = &boxes[idx * 4];
    result.push_back({scores[idx], std::max(0.f, b[0]), std::max(0.f, b[1]), std::min(1.f, b[2]), std::min(1.f, b[3])});
  }
  return result;
}

std::vector<int> non_max_suppression(const std::vector<float>& boxes, const std::vector<float>& scores, int max_out,
                                     float iou_threshold, float score_threshold) {
  std::vector<int> candidates;
  for (size_t i = 0; i < scores.size(); ++i)
    if (scores[i] > score_threshold) candidates.push_back(static_cast<int>(i));
  std::stable_sort(candidates.begin(), candidates.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  const size_t limit = std::min<size_t>(max_out, scores.size());
  std::vector<int> selected;
  for (int c : candidates) {
    if (selected.size() >= limit) break;
    bool suppressed = false;
    for (auto it = selected.rbegin(); it != selected.rend() && !suppressed; ++it)
      suppressed = iou(&boxes[c * 4], &boxes[*it * 4]) > iou_threshold;
    if (!suppressed) selected.push_back(c);
  }
  return selected;
}

}  // namespace beetroot
