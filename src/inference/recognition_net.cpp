#include "inference/recognition_net.h"

#include <algorithm>
#include <string>
#include <vector>

#include "inference/layers.h"
#include "inference/weights.h"

namespace beetroot {
namespace {

// conv + bias followed by a per-channel scale layer, folded into one convolution.
Conv2d scaled_conv(const WeightMap& w, const std::string& name, int kernel, int in_c, int out_c, int stride,
                   int in_size, bool valid, bool relu) {
  auto filters = w.get(name + "/conv/filters", {kernel, kernel, in_c, out_c}).values;
  const auto& bias = w.get(name + "/conv/bias", {out_c}).values;
  const auto& scale = w.get(name + "/scale/weights", {out_c}).values;
  const auto& shift = w.get(name + "/scale/biases", {out_c}).values;
  for (size_t i = 0; i < filters.size(); ++i) filters[i] *= scale[i % out_c];
  std::vector<float> folded(out_c);
  for (int o = 0; o < out_c; ++o) folded[o] = bias[o] * scale[o] + shift[o];
  ConvSpec spec{kernel, stride, in_c, out_c, false, valid ? Padding{} : same_padding(in_size, in_size, kernel, stride)};
  if (relu) spec.out_min = 0.f;
  return Conv2d(spec, filters, folded);
}

struct Residual {
  Conv2d conv1, conv2;
  bool down;
  int in_size, in_c, out_c;
  std::unique_ptr<Pool2d> shortcut_pool;
};

Residual residual(const WeightMap& w, const std::string& name, int in_c, int out_c, int in_size, bool down) {
  Conv2d c1 = scaled_conv(w, name + "/conv1", 3, in_c, out_c, down ? 2 : 1, in_size, down, true);
  const int mid = c1.out_size(in_size);
  Conv2d c2 = scaled_conv(w, name + "/conv2", 3, out_c, out_c, 1, mid, false, false);
  Residual r{std::move(c1), std::move(c2), down, in_size, in_c, out_c, nullptr};
  if (down) r.shortcut_pool = std::make_unique<Pool2d>(Pool2d::Kind::Average, 2, 2, in_c);
  return r;
}

}  // namespace

struct RecognitionNet::Impl {
  std::unique_ptr<Conv2d> stem;
  Pool2d stem_pool{Pool2d::Kind::Max, 3, 2, 32};
  std::vector<Residual> blocks;
  std::unique_ptr<FullyConnected> fc;
  std::vector<float> x, mid, branch, shortcut;
};

RecognitionNet::RecognitionNet(const WeightMap& w) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.stem = std::make_unique<Conv2d>(scaled_conv(w, "conv32_down", 7, 3, 32, 2, kInputSize, true, true));
  int size = m.stem_pool.out_size(m.stem->out_size(kInputSize));
  struct Layer {
    const char* name;
    int out_c;
    bool down;
  };
  const Layer layers[] = {{"conv32_1", 32, false},     {"conv32_2", 32, false},   {"conv32_3", 32, false},
                          {"conv64_down", 64, true},   {"conv64_1", 64, false},   {"conv64_2", 64, false},
                          {"conv64_3", 64, false},     {"conv128_down", 128, true}, {"conv128_1", 128, false},
                          {"conv128_2", 128, false},   {"conv256_down", 256, true}, {"conv256_1", 256, false},
                          {"conv256_2", 256, false},   {"conv256_down_out", 256, true}};
  int channels = 32;
  for (const auto& l : layers) {
    m.blocks.push_back(residual(w, l.name, channels, l.out_c, size, l.down));
    if (l.down) size /= 2;  // the 2x2 'valid' average pool decides the block's output size
    channels = l.out_c;
  }
  m.fc = std::make_unique<FullyConnected>(256, 128, w.get("fc", {256, 128}).values, std::vector<float>{});
}

RecognitionNet::~RecognitionNet() = default;

Descriptor RecognitionNet::run(const float* input, ThreadPool& pool) {
  Impl& m = *impl_;
  const int stem_size = m.stem->out_size(kInputSize);
  m.mid.resize(static_cast<size_t>(stem_size) * stem_size * 32);
  m.stem->run(input, kInputSize, kInputSize, m.mid.data(), pool);
  int size = m.stem_pool.out_size(stem_size);
  m.x.resize(static_cast<size_t>(size) * size * 32);
  m.stem_pool.run(m.mid.data(), stem_size, stem_size, m.x.data(), pool);
  for (auto& b : m.blocks) {
    const int conv_size = b.conv1.out_size(size);
    m.mid.resize(static_cast<size_t>(conv_size) * conv_size * b.out_c);
    m.branch.resize(m.mid.size());
    b.conv1.run(m.x.data(), size, size, m.mid.data(), pool);
    b.conv2.run(m.mid.data(), conv_size, conv_size, m.branch.data(), pool);
    if (!b.down) {
      for (size_t i = 0; i < m.x.size(); ++i) m.x[i] = std::max(m.branch[i] + m.x[i], 0.f);
      continue;
    }
    // Shortcut: 2x2 average pool, channels zero-padded; a smaller conv branch is zero-padded bottom/right.
    const int out_size = b.shortcut_pool->out_size(size);
    m.shortcut.resize(static_cast<size_t>(out_size) * out_size * b.in_c);
    b.shortcut_pool->run(m.x.data(), size, size, m.shortcut.data(), pool);
    m.x.assign(static_cast<size_t>(out_size) * out_size * b.out_c, 0.f);
    for (int y = 0; y < out_size; ++y)
      for (int x = 0; x < out_size; ++x) {
        float* dst = &m.x[(static_cast<size_t>(y) * out_size + x) * b.out_c];
        const float* pooled = &m.shortcut[(static_cast<size_t>(y) * out_size + x) * b.in_c];
        const bool inside = y < conv_size && x < conv_size;
        const float* conv = inside ? &m.branch[(static_cast<size_t>(y) * conv_size + x) * b.out_c] : nullptr;
        for (int c = 0; c < b.out_c; ++c) {
          const float s = c < b.in_c ? pooled[c] : 0.f;
          dst[c] = std::max(s + (conv ? conv[c] : 0.f), 0.f);
        }
      }
    size = out_size;
  }
  std::vector<float> mean(256, 0.f);
  for (int p = 0; p < size * size; ++p)
    for (int c = 0; c < 256; ++c) mean[c] += m.x[static_cast<size_t>(p) * 256 + c];
  for (float& v : mean) v /= static_cast<float>(size * size);
  Descriptor out{};
  m.fc->run(mean.data(), out.data(), pool);
  return out;
}

}  // namespace beetroot
