#include "inference/landmark_net.h"

#include <algorithm>
#include <string>
#include <vector>

#include "inference/layers.h"
#include "inference/weights.h"

namespace beetroot {
namespace {

// A depthwise 3x3 followed by a pointwise 1x1 with bias (TF separableConv2d, 'same').
struct SeparableConv {
  Conv2d depthwise, pointwise;
  int in_size, out_size, channels;
};

SeparableConv separable(const WeightMap& w, const std::string& name, int in_c, int out_c, int stride, int in_size,
                        bool relu) {
  ConvSpec dw{3, stride, in_c, in_c, true, same_padding(in_size, in_size, 3, stride)};
  const int out_size = (in_size + stride - 1) / stride;
  ConvSpec pw{.in_channels = in_c, .out_channels = out_c};
  if (relu) pw.out_min = 0.f;
  return {Conv2d(dw, w.get(name + "/depthwise_filter", {3, 3, in_c, 1}).values, {}),
          Conv2d(pw, w.get(name + "/pointwise_filter", {1, 1, in_c, out_c}).values, w.get(name + "/bias", {out_c}).values),
          in_size, out_size, out_c};
}

void add_relu(const std::vector<float>& a, const std::vector<float>& b, std::vector<float>& out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = std::max(a[i] + b[i], 0.f);
}

}  // namespace

struct LandmarkNet::Impl {
  // Per dense block: conv0 (strided, ReLU) then three separable convs summed densely.
  struct Block {
    std::unique_ptr<Conv2d> first;  // dense0 starts with a plain conv
    std::unique_ptr<SeparableConv> first_separable;
    std::vector<SeparableConv> rest;
    int in_size, out_size, channels;
  };
  std::vector<Block> blocks;
  Pool2d pool{Pool2d::Kind::Average, 7, 2, 256};
  std::unique_ptr<FullyConnected> fc;
  std::vector<float> out1, out2, out3, out4, sum, scratch, input_copy;
};

LandmarkNet::LandmarkNet(const WeightMap& w) : impl_(std::make_unique<Impl>()) {
  int size = kInputSize, in_c = 3;
  const int channels[] = {32, 64, 128, 256};
  for (int b = 0; b < 4; ++b) {
    const std::string n = "dense" + std::to_string(b);
    Impl::Block block;
    block.in_size = size;
    block.channels = channels[b];
    if (b == 0) {
      ConvSpec spec{3, 2, 3, 32, false, same_padding(size, size, 3, 2), 0.f};
      block.first = std::make_unique<Conv2d>(spec, w.get(n + "/conv0/filters", {3, 3, 3, 32}).values,
                                             w.get(n + "/conv0/bias", {32}).values);
    } else {
      block.first_separable = std::make_unique<SeparableConv>(separable(w, n + "/conv0", in_c, channels[b], 2, size, true));
    }
    size = (size + 1) / 2;
    block.out_size = size;
    for (int i = 1; i <= 3; ++i)
      block.rest.push_back(separable(w, n + "/conv" + std::to_string(i), channels[b], channels[b], 1, size, false));
    impl_->blocks.push_back(std::move(block));
    in_c = channels[b];
  }
  impl_->fc = std::make_unique<FullyConnected>(256, 136, w.get("fc/weights", {256, 136}).values,
                                               w.get("fc/bias", {136}).values);
}

LandmarkNet::~LandmarkNet() = default;

std::array<float, 136> LandmarkNet::run(const float* input, ThreadPool& pool) {
  Impl& m = *impl_;
  m.input_copy.clear();
  const float* x = input;
  for (auto& block : m.blocks) {
    const size_t n = static_cast<size_t>(block.out_size) * block.out_size * block.channels;
    for (auto* v : {&m.out1, &m.out2, &m.out3, &m.out4, &m.sum}) v->resize(n);
    m.scratch.resize(static_cast<size_t>(block.in_size) * block.in_size * 256);
    auto run_separable = [&](SeparableConv& c, const float* in, std::vector<float>& out) {
      c.depthwise.run(in, c.in_size, c.in_size, m.scratch.data(), pool);
      c.pointwise.run(m.scratch.data(), c.out_size, c.out_size, out.data(), pool);
    };
    if (block.first)
      block.first->run(x, block.in_size, block.in_size, m.out1.data(), pool);
    else
      run_separable(*block.first_separable, x, m.out1);
    run_separable(block.rest[0], m.out1.data(), m.out2);
    add_relu(m.out1, m.out2, m.sum);
    run_separable(block.rest[1], m.sum.data(), m.out3);
    for (size_t i = 0; i < n; ++i) m.sum[i] = std::max(m.out1[i] + (m.out2[i] + m.out3[i]), 0.f);
    run_separable(block.rest[2], m.sum.data(), m.out4);
    for (size_t i = 0; i < n; ++i) m.sum[i] = std::max(m.out1[i] + (m.out2[i] + (m.out3[i] + m.out4[i])), 0.f);
    m.input_copy = m.sum;  // next block's input must outlive the buffers it overwrites
    x = m.input_copy.data();
  }
  std::vector<float> pooled(256);
  m.pool.run(x, 7, 7, pooled.data(), pool);
  std::array<float, 136> out{};
  m.fc->run(pooled.data(), out.data(), pool);
  return out;
}

}  // namespace beetroot
