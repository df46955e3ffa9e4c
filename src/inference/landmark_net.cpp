#include "inference/landmark_net.h"

#include <string>

#include "inference/feature_ops.h"
#include "inference/layers.h"
#include "inference/weights.h"

namespace beetroot {
namespace {

// A depthwise 3x3 followed by a pointwise 1x1 with bias (TF separableConv2d, 'same').
struct SeparableConv {
  Conv2d depthwise, pointwise;
};

SeparableConv separable(const WeightMap& w, const std::string& name, int in_c, int out_c, int stride, Activation act,
                        bool accumulate) {
  const ConvSpec dw{3, stride, in_c, in_c, true};
  const ConvSpec pw{1, 1, in_c, out_c, false, Padding::Same, act, accumulate};
  return {Conv2d(dw, w.get(name + "/depthwise_filter", {3, 3, in_c, 1}).values, {}),
          Conv2d(pw, w.get(name + "/pointwise_filter", {1, 1, in_c, out_c}).values, w.get(name + "/bias", {out_c}).values)};
}

enum LandmarkSlot { kSumA = 1, kSumB, kRelu, kDepthwise };

}  // namespace

struct LandmarkNet::Impl {
  // A dense block: conv0 (strided, ReLU), then three separable convs, each fed the ReLU of the sum
  // of all outputs before it. The sum is kept in place: each pointwise conv accumulates into it.
  struct Block {
    std::unique_ptr<Conv2d> first;  // dense0 starts with a plain conv
    std::unique_ptr<SeparableConv> first_separable;
    std::vector<SeparableConv> rest;
  };
  std::vector<Block> blocks;
  std::vector<float> fc_weights, fc_bias;
};

LandmarkNet::LandmarkNet(const WeightMap& w) : impl_(std::make_unique<Impl>()) {
  int in_c = 3;
  const int channels[] = {32, 64, 128, 256};
  for (int b = 0; b < 4; ++b) {
    const std::string n = "dense" + std::to_string(b);
    Impl::Block block;
    if (b == 0) {
      const ConvSpec spec{3, 2, 3, 32, false, Padding::Same, Activation::Relu, false, Layout::Nhwc};
      block.first = std::make_unique<Conv2d>(spec, w.get(n + "/conv0/filters", {3, 3, 3, 32}).values,
                                             w.get(n + "/conv0/bias", {32}).values);
    } else {
      block.first_separable =
          std::make_unique<SeparableConv>(separable(w, n + "/conv0", in_c, channels[b], 2, Activation::Relu, false));
    }
    for (int i = 1; i <= 3; ++i)  // the last one also applies the block's final ReLU
      block.rest.push_back(separable(w, n + "/conv" + std::to_string(i), channels[b], channels[b], 1,
                                     i == 3 ? Activation::Relu : Activation::None, true));
    impl_->blocks.push_back(std::move(block));
    in_c = channels[b];
  }
  impl_->fc_weights = w.get("fc/weights", {256, 136}).values;
  impl_->fc_bias = w.get("fc/bias", {136}).values;
}

LandmarkNet::~LandmarkNet() = default;

std::vector<Landmarks68> LandmarkNet::run(Cores::Lease& lease, const float* inputs, int n) {
  Impl& m = *impl_;
  Arena& arena = lease.arena();
  auto place = [&](FeatureMap map, int slot) {
    map.data = arena.floats(slot, map.storage_floats());
    return map;
  };
  FeatureMap x{const_cast<float*>(inputs), n, 3, kInputSize, kInputSize, Layout::Nhwc};
  int sum_slot = kSumA;
  for (auto& block : m.blocks) {
    auto run_separable = [&](SeparableConv& c, const FeatureMap& in, const FeatureMap& out) {
      const FeatureMap dw = place(c.depthwise.output(in, nullptr), kDepthwise);
      c.depthwise.run(lease, in, dw);
      c.pointwise.run(lease, dw, out);
    };
    // The block's input stays readable while its sum is written to the other slot.
    sum_slot = sum_slot == kSumA ? kSumB : kSumA;
    FeatureMap sum;
    if (block.first) {
      sum = place(block.first->output(x, nullptr), sum_slot);
      block.first->run(lease, x, sum);
    } else {
      const FeatureMap dw_shape = block.first_separable->depthwise.output(x, nullptr);
      sum = place(block.first_separable->pointwise.output(dw_shape, nullptr), sum_slot);
      run_separable(*block.first_separable, x, sum);
    }
    const FeatureMap relu_of_sum = place(sum, kRelu);
    run_separable(block.rest[0], sum, sum);  // sum = out1 + out2
    relu(sum, relu_of_sum);
    run_separable(block.rest[1], relu_of_sum, sum);  // + out3
    relu(sum, relu_of_sum);
    run_separable(block.rest[2], relu_of_sum, sum);  // + out4, then the ReLU
    x = sum;
  }
  const std::vector<float> out = fully_connected(spatial_mean(x), 256, 136, m.fc_weights, m.fc_bias);
  std::vector<Landmarks68> landmarks(n);
  for (int i = 0; i < n; ++i) std::copy_n(&out[static_cast<size_t>(i) * 136], 136, landmarks[i].begin());
  return landmarks;
}

}  // namespace beetroot
