#include "inference/recognition_net.h"

#include <string>

#include "inference/feature_ops.h"
#include "inference/layers.h"
#include "inference/weights.h"

namespace beetroot {
namespace {

// conv + bias followed by a per-channel scale layer, folded into one convolution.
Conv2d scaled_conv(const WeightMap& w, const std::string& name, int kernel, int in_c, int out_c, int stride, bool valid,
                   bool relu, bool accumulate = false, Layout in_layout = Layout::Native) {
  auto filters = w.get(name + "/conv/filters", {kernel, kernel, in_c, out_c}).values;
  const auto& bias = w.get(name + "/conv/bias", {out_c}).values;
  const auto& scale = w.get(name + "/scale/weights", {out_c}).values;
  const auto& shift = w.get(name + "/scale/biases", {out_c}).values;
  for (size_t i = 0; i < filters.size(); i += out_c)
    for (int o = 0; o < out_c; ++o) filters[i + o] *= scale[o];
  std::vector<float> folded(out_c);
  for (int o = 0; o < out_c; ++o) folded[o] = bias[o] * scale[o] + shift[o];
  ConvSpec spec{kernel, stride, in_c, out_c, false, valid ? Padding::Valid : Padding::Same,
                relu ? Activation::Relu : Activation::None, accumulate, in_layout};
  return Conv2d(spec, filters, folded);
}

struct Residual {
  Conv2d conv1, conv2;
  bool down;
  bool branch_smaller;  // its 'valid' conv comes out smaller than the pooled shortcut
  int out_c;
};

// A block sums its second conv into its input in place (x = relu(x + conv)), or into the pooled
// shortcut when it down-samples; a branch smaller than the shortcut is summed in afterwards.
Residual residual(const WeightMap& w, const std::string& name, int in_c, int out_c, bool down, int in_size) {
  const bool smaller = down && (in_size - 3) / 2 + 1 < in_size / 2;
  return {scaled_conv(w, name + "/conv1", 3, in_c, out_c, down ? 2 : 1, down, true),
          scaled_conv(w, name + "/conv2", 3, out_c, out_c, 1, false, !smaller, !smaller), down, smaller, out_c};
}

enum RecognitionSlot { kStem = 1, kMid, kPooled, kBranch, kX };  // x alternates between kX and kX + 1

}  // namespace

struct RecognitionNet::Impl {
  explicit Impl(Conv2d stem_conv) : stem(std::move(stem_conv)) {}
  Conv2d stem;
  Pool2d stem_pool{Pool2d::Kind::Max, 3, 2};
  Pool2d shortcut_pool{Pool2d::Kind::Average, 2, 2};
  std::vector<Residual> blocks;
  std::vector<float> fc;
};

RecognitionNet::RecognitionNet(const WeightMap& w)
    : impl_(std::make_unique<Impl>(scaled_conv(w, "conv32_down", 7, 3, 32, 2, true, true, false, Layout::Nhwc))) {
  struct Layer {
    const char* name;
    int out_c;
    bool down;
  };
  const Layer layers[] = {{"conv32_1", 32, false},     {"conv32_2", 32, false},     {"conv32_3", 32, false},
                          {"conv64_down", 64, true},   {"conv64_1", 64, false},     {"conv64_2", 64, false},
                          {"conv64_3", 64, false},     {"conv128_down", 128, true}, {"conv128_1", 128, false},
                          {"conv128_2", 128, false},   {"conv256_down", 256, true}, {"conv256_1", 256, false},
                          {"conv256_2", 256, false},   {"conv256_down_out", 256, true}};
  int channels = 32, size = (((kInputSize - 7) / 2 + 1) - 3) / 2 + 1;  // after the stem and its pool
  for (const auto& l : layers) {
    impl_->blocks.push_back(residual(w, l.name, channels, l.out_c, l.down, size));
    channels = l.out_c;
    if (l.down) size /= 2;  // the 2x2 'valid' average pool decides the block's output size
  }
  impl_->fc = w.get("fc", {256, 128}).values;
}

RecognitionNet::~RecognitionNet() = default;

std::vector<Descriptor> RecognitionNet::run(Cores::Lease& lease, const float* inputs, int n) {
  Impl& m = *impl_;
  Arena& arena = lease.arena();
  const FeatureMap input{const_cast<float*>(inputs), n, 3, kInputSize, kInputSize, Layout::Nhwc};
  auto place = [&](FeatureMap map, int slot) {
    map.data = arena.floats(slot, map.storage_floats());
    return map;
  };
  const FeatureMap stem = place(m.stem.output(input, nullptr), kStem);
  m.stem.run(lease, input, stem);
  int x_slot = kX;
  FeatureMap x = place(m.stem_pool.output(stem, nullptr), x_slot);
  m.stem_pool.run(lease, stem, x);
  for (auto& b : m.blocks) {
    const FeatureMap mid = place(b.conv1.output(x, nullptr), kMid);
    b.conv1.run(lease, x, mid);
    if (!b.down) {
      b.conv2.run(lease, mid, x);  // x = relu(x + conv2(mid))
      continue;
    }
    // Shortcut: 2x2 average pool, channels zero-padded; a smaller conv branch is zero-padded bottom/right.
    const FeatureMap pooled = place(m.shortcut_pool.output(x, nullptr), kPooled);
    m.shortcut_pool.run(lease, x, pooled);
    x_slot = x_slot == kX ? kX + 1 : kX;
    x = place({nullptr, n, b.out_c, pooled.h, pooled.w, Layout::Native}, x_slot);
    widen_channels(pooled, x);
    if (!b.branch_smaller) {
      b.conv2.run(lease, mid, x);
    } else {
      const FeatureMap branch = place(b.conv2.output(mid, nullptr), kBranch);
      b.conv2.run(lease, mid, branch);
      add_top_left_relu(branch, x);
    }
  }
  const std::vector<float> mean = spatial_mean(x);
  const std::vector<float> out = fully_connected(mean, 256, 128, m.fc, {});
  std::vector<Descriptor> descriptors(n);
  for (int i = 0; i < n; ++i) std::copy_n(&out[static_cast<size_t>(i) * 128], 128, descriptors[i].begin());
  return descriptors;
}

}  // namespace beetroot
