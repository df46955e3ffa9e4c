#include "inference/ssd_detector.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <cmath>
#include <numeric>
#include <string>

#include "base/error.h"
#include "inference/feature_ops.h"
#include "inference/layers.h"
#include "inference/weights.h"

namespace beetroot {
namespace {

constexpr float kBatchNormEpsilon = 0.0010000000474974513f;
constexpr int kHeads = SsdDetector::kGrids;
// Anchors per cell of each head's grid, and the grids' strides in input pixels.
constexpr int kAnchorsPerCell[kHeads] = {3, 6, 6, 6, 6, 6};
constexpr int kHeadStride[kHeads] = {16, 32, 64, 128, 256, 512};

// Pointwise layers: conv + offset, ReLU6.
Conv2d pointwise(const WeightMap& w, const std::string& name, int kernel, int in_c, int out_c, int stride,
                 bool quantised, Layout in_layout = Layout::Native) {
  const ConvSpec spec{kernel, stride, in_c, out_c, false, Padding::Same, Activation::Relu6, false, in_layout, quantised};
  return Conv2d(spec, w.get(name + "/weights", {kernel, kernel, in_c, out_c}).values,
                w.get(name + "/convolution_bn_offset", {out_c}).values);
}

// Depthwise conv with its batch norm folded into the filters, ReLU6.
Conv2d depthwise(const WeightMap& w, const std::string& name, int channels, int stride, bool quantised) {
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
  const ConvSpec spec{3, stride, channels, channels, true, Padding::Same, Activation::Relu6, false, Layout::Native,
                      quantised};
  return Conv2d(spec, filters, bias);
}

struct BoxPredictor {
  Conv2d box, cls;
  int anchors;
};

BoxPredictor box_predictor(const WeightMap& w, int index, int in_c, int anchors, bool quantised) {
  const std::string p = "Prediction/BoxPredictor_" + std::to_string(index);
  const ConvSpec box{.in_channels = in_c, .out_channels = anchors * 4, .quantised = quantised};
  const ConvSpec cls{.in_channels = in_c, .out_channels = anchors * 3, .quantised = quantised};
  return {Conv2d(box, w.get(p + "/BoxEncodingPredictor/weights", {1, 1, in_c, anchors * 4}).values,
                 w.get(p + "/BoxEncodingPredictor/biases").values),
          Conv2d(cls, w.get(p + "/ClassPredictor/weights", {1, 1, in_c, anchors * 3}).values,
                 w.get(p + "/ClassPredictor/biases").values),
          anchors};
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

// One dimension of the heads' grids: each grid's size and how far TF's padding of odd sizes moved
// its cells (in input pixels) from where they sit when every size is even, as at 512.
struct GridAxis {
  int size[kHeads];
  float shift[kHeads];
};

GridAxis grid_axis(int input) {
  GridAxis axis{};
  int size = input, stride = 1;
  float shift = 0;
  // Strided 3x3 convs in order, and after how many of them each head reads its grid.
  auto halve = [&] {
    shift -= static_cast<float>(same_padding(size, 3, 2).first * stride);
    size = (size + 1) / 2;
    stride *= 2;
  };
  for (int i = 0; i < 4; ++i) halve();  // conv_0 and the depthwise convs of pairs 2, 4, 6: stride 16
  axis.size[0] = size;
  axis.shift[0] = shift;
  halve();  // pair 12: stride 32
  axis.size[1] = size;
  axis.shift[1] = shift;
  for (int head = 2; head < kHeads; ++head) {  // the extra layers, one strided conv per head
    halve();
    axis.size[head] = size;
    axis.shift[head] = shift;
  }
  return axis;
}

}  // namespace

std::vector<float> ssd_anchors(int height, int width) {
  const GridAxis rows = grid_axis(height), cols = grid_axis(width);
  // Scales spread evenly from 0.2 to 0.95 over the six grids; the finest grid has only three boxes.
  float scales[kHeads + 1];
  for (int i = 0; i < kHeads; ++i) scales[i] = 0.2f + (0.95f - 0.2f) * static_cast<float>(i) / (kHeads - 1);
  scales[kHeads] = 1.f;
  std::vector<float> anchors;
  for (int head = 0; head < kHeads; ++head) {
    std::vector<std::pair<float, float>> specs;  // (scale, aspect ratio)
    if (head == 0) {
      specs = {{0.1f, 1.f}, {scales[0], 2.f}, {scales[0], 0.5f}};
    } else {
      const float s = scales[head];
      specs = {{s, 1.f}, {std::sqrt(s * scales[head + 1]), 1.f}, {s, 2.f}, {s, 0.5f}, {s, 3.f}, {s, 1.f / 3}};
    }
    const float stride = static_cast<float>(kHeadStride[head]);
    for (int i = 0; i < rows.size[head]; ++i)
      for (int j = 0; j < cols.size[head]; ++j) {
        const float cy = (static_cast<float>(i) + 0.5f) * stride + rows.shift[head];
        const float cx = (static_cast<float>(j) + 0.5f) * stride + cols.shift[head];
        for (const auto& [scale, aspect] : specs) {
          const float h = scale / std::sqrt(aspect) * SsdDetector::kTrainedSize;
          const float w = scale * std::sqrt(aspect) * SsdDetector::kTrainedSize;
          anchors.insert(anchors.end(), {(cy - h / 2) / height, (cx - w / 2) / width, (cy + h / 2) / height,
                                         (cx + w / 2) / width});
        }
      }
  }
  return anchors;
}

namespace {

// The layers after the first, in f32 or quantised.
struct SsdLayers {
  std::vector<Conv2d> backbone;  // depthwise/pointwise pairs 1..13
  std::vector<Conv2d> extra;     // Prediction/Conv2d_0..7
  std::vector<BoxPredictor> predictors;
};

SsdLayers ssd_layers(const WeightMap& w, bool quantised) {
  SsdLayers m;
  const int out_channels[] = {64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
  int channels = 32;
  for (int layer = 1; layer <= 13; ++layer) {
    const int stride = (layer == 2 || layer == 4 || layer == 6 || layer == 12) ? 2 : 1;
    const std::string n = "MobilenetV1/Conv2d_" + std::to_string(layer);
    m.backbone.push_back(depthwise(w, n + "_depthwise", channels, stride, quantised));
    m.backbone.push_back(pointwise(w, n + "_pointwise", 1, channels, out_channels[layer - 1], 1, quantised));
    channels = out_channels[layer - 1];
  }
  const int extra_channels[] = {256, 512, 128, 256, 128, 256, 64, 128};
  for (int i = 0; i < 8; ++i) {
    const int kernel = i % 2 ? 3 : 1, stride = i % 2 ? 2 : 1;
    m.extra.push_back(pointwise(w, "Prediction/Conv2d_" + std::to_string(i) + "_pointwise", kernel, channels,
                                extra_channels[i], stride, quantised));
    channels = extra_channels[i];
  }
  const int head_channels[kHeads] = {512, 1024, 512, 256, 256, 128};
  for (int i = 0; i < kHeads; ++i)
    m.predictors.push_back(box_predictor(w, i, head_channels[i], kAnchorsPerCell[i], quantised));
  return m;
}

}  // namespace

struct SsdDetector::Impl {
  explicit Impl(const WeightMap& w)
      : conv0(pointwise(w, "MobilenetV1/Conv2d_0_pointwise", 3, 3, 32, 2, false, Layout::Nhwc)),
        f32(ssd_layers(w, false)),
        quantised(ssd_layers(w, true)) {}
  Conv2d conv0;  // in f32 always: it reads the photo
  SsdLayers f32, quantised;
  std::vector<float> trained_anchors;
  std::mutex anchors_mutex;
  std::map<std::pair<int, int>, std::shared_ptr<const std::vector<float>>> anchors;  // by input size

  std::shared_ptr<const std::vector<float>> anchors_for(int height, int width) {
    std::lock_guard lock(anchors_mutex);
    auto& a = anchors[{height, width}];
    if (!a) {
      const bool trained = height == kTrainedSize && width == kTrainedSize;
      a = std::make_shared<const std::vector<float>>(trained ? trained_anchors : ssd_anchors(height, width));
    }
    return a;
  }
};

namespace {
enum SsdSlot { kPing = 1, kPong, kConv11, kExtra, kHead2, kHeadOut = kHead2 + 4 };  // heads 2-5: a slot each
}

SsdDetector::SsdDetector(const WeightMap& w) : impl_(std::make_unique<Impl>(w)) {
  const int trained_anchor_count = 32 * 32 * 3 + (16 * 16 + 8 * 8 + 4 * 4 + 2 * 2 + 1) * 6;
  impl_->trained_anchors = w.get("Output/extra_dim", {1, trained_anchor_count, 4}).values;
}

SsdDetector::~SsdDetector() = default;

const std::vector<float>& SsdDetector::trained_anchors() const { return impl_->trained_anchors; }

void SsdDetector::forward(Cores::Lease& lease, const float* input, int height, int width, std::vector<float>& boxes,
                          std::vector<float>& scores, int grids, Precision precision) {
  if (grids < 1 || grids > kHeads) throw Error(ErrorKind::Internal, "the SSD has 1 to 6 grids");
  Impl& impl = *impl_;
  SsdLayers& m = precision == Precision::Quantised ? impl.quantised : impl.f32;
  Arena& arena = lease.arena();
  auto place = [&](FeatureMap map, int slot) {
    map.data = arena.floats(slot, map.storage_floats());
    return map;
  };
  const FeatureMap photo{const_cast<float*>(input), 1, 3, height, width, Layout::Nhwc};
  FeatureMap x = place(impl.conv0.output(photo, nullptr), kPing);
  impl.conv0.run(lease, photo, x);
  if (precision == Precision::Quantised) {
    FeatureMap q = x;
    q.quantised = true;
    q = place(q, kExtra);  // not kPong: the first layer writes there
    quantise(lease, x, q);
    x = q;
  }
  FeatureMap heads[kHeads];
  // Layer i of the backbone after conv_0; pair 11's pointwise output (i 21) feeds the first head.
  const size_t backbone_layers = grids == 1 ? 22 : m.backbone.size();
  for (size_t i = 0; i < backbone_layers; ++i) {
    const int slot = i == 21 ? kConv11 : i % 2 ? kPing : kPong;
    const FeatureMap out = place(m.backbone[i].output(x, nullptr), slot);
    m.backbone[i].run(lease, x, out);
    x = out;
    if (i == 21) heads[0] = out;
  }
  heads[1] = x;
  for (int i = 0; i < 2 * (grids - 2); ++i) {
    const FeatureMap out = place(m.extra[i].output(x, nullptr), i % 2 ? kHead2 + i / 2 : kExtra);
    m.extra[i].run(lease, x, out);
    x = out;
    if (i % 2) heads[2 + i / 2] = out;
  }
  size_t cells = 0;
  for (int i = 0; i < grids; ++i) cells += static_cast<size_t>(heads[i].h) * heads[i].w * kAnchorsPerCell[i];
  // The heads' outputs in TF's order (row, column, anchor, value), for the anchors'.
  std::vector<float> box_raw(cells * 4), cls_raw(cells * 3);
  size_t anchor = 0;
  for (int i = 0; i < grids; ++i) {
    BoxPredictor& p = m.predictors[i];
    const FeatureMap box = place(p.box.output(heads[i], nullptr), kHeadOut);
    p.box.run(lease, heads[i], box);
    to_nhwc(box, &box_raw[anchor * 4]);
    const FeatureMap cls = place(p.cls.output(heads[i], nullptr), kHeadOut);
    p.cls.run(lease, heads[i], cls);
    to_nhwc(cls, &cls_raw[anchor * 3]);
    anchor += static_cast<size_t>(heads[i].h) * heads[i].w * p.anchors;
  }
  const auto anchors = impl.anchors_for(height, width);  // the finest grids' come first
  if (anchors->size() < cells * 4) throw Error(ErrorKind::Internal, "SSD anchors do not match its grids");
  boxes.resize(cells * 4);
  scores.resize(cells);
  for (size_t i = 0; i < cells; ++i) {
    const float* a = &(*anchors)[i * 4];
    const float* e = &box_raw[i * 4];
    const float size0 = a[2] - a[0], size1 = a[3] - a[1];
    const float center0 = a[0] + size0 / 2, center1 = a[1] + size1 / 2;
    const float half0 = std::exp(e[2] / 5) * size0 / 2, half1 = std::exp(e[3] / 5) * size1 / 2;
    const float c0 = e[0] / 10 * size0 + center0, c1 = e[1] / 10 * size1 + center1;
    boxes[i * 4 + 0] = c0 - half0;
    boxes[i * 4 + 1] = c1 - half1;
    boxes[i * 4 + 2] = c0 + half0;
    boxes[i * 4 + 3] = c1 + half1;
    scores[i] = 1.f / (1.f + std::exp(-cls_raw[i * 3 + 1]));
  }
}

std::vector<SsdBox> SsdDetector::detect(Cores::Lease& lease, const float* input, int height, int width, float min_score,
                                        float iou_threshold, int max_results, int grids, Precision precision) {
  std::vector<float> boxes, scores;
  forward(lease, input, height, width, boxes, scores, grids, precision);
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
