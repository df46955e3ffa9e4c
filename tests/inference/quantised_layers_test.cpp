// A quantised convolution computes what its f32 twin does on the same (quantised) input, to the
// precision of 8-bit filters.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "inference/compute.h"
#include "inference/feature_ops.h"
#include "inference/layers.h"

namespace beetroot {
namespace {

struct Case {
  ConvSpec spec;
  const char* name;
};

// Runs `spec` in f32 and quantised on one input whose values lie on the activation grid, and
// returns both outputs in NHWC.
std::pair<std::vector<float>, std::vector<float>> run_both(ConvSpec spec, int size) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> level(0, 127);
  std::normal_distribution<float> weight(0.f, 0.2f);
  const int k = spec.kernel, in = spec.in_channels, out = spec.out_channels;
  std::vector<float> filters(static_cast<size_t>(k) * k * in * (spec.depthwise ? 1 : out));
  for (float& f : filters) f = weight(random);
  std::vector<float> bias(out);
  for (float& b : bias) b = weight(random) * 5;
  std::vector<float> pixels(static_cast<size_t>(size) * size * in);
  for (float& p : pixels) p = level(random) * kActivationStep;

  Cores cores(1);
  Cores::Lease lease = cores.acquire();
  std::vector<float> results[2];
  for (bool quantised : {false, true}) {
    spec.quantised = quantised;
    spec.in_layout = Layout::Nhwc;
    Conv2d conv(spec, filters, bias);
    FeatureMap input{pixels.data(), 1, in, size, size, Layout::Nhwc};
    std::vector<float> packed((pixels.size() + 3) / 4);
    if (quantised) {
      FeatureMap q = input;
      q.quantised = true;
      q.data = packed.data();
      quantise(lease, input, q);
      input = q;
    }
    std::vector<float> storage(static_cast<size_t>(size) * size * (out + 64) * 2);
    const FeatureMap output = conv.output(input, storage.data());
    conv.run(lease, input, output);
    std::vector<float> values(output.size());
    if (output.quantised) {
      const auto* levels = reinterpret_cast<const uint8_t*>(output.data);
      for (size_t i = 0; i < values.size(); ++i) values[i] = levels[i] * kActivationStep;
      FeatureMap widened = output;
      widened.quantised = false;
      widened.data = values.data();
      std::vector<float> nhwc(static_cast<size_t>(output.n) * output.h * output.w * output.c);
      to_nhwc(widened, nhwc.data());
      results[quantised] = nhwc;
    } else {
      std::vector<float> nhwc(static_cast<size_t>(output.n) * output.h * output.w * output.c);
      to_nhwc(output, nhwc.data());
      results[quantised] = nhwc;
    }
  }
  return {results[0], results[1]};
}

class QuantisedConv : public ::testing::TestWithParam<Case> {};

TEST_P(QuantisedConv, MatchesFloat) {
  const auto [reference, quantised] = run_both(GetParam().spec, 12);
  ASSERT_EQ(reference.size(), quantised.size());
  double largest = 0, worst = 0;
  for (size_t i = 0; i < reference.size(); ++i) {
    largest = std::max(largest, std::abs(static_cast<double>(reference[i])));
    worst = std::max(worst, std::abs(static_cast<double>(reference[i]) - quantised[i]));
  }
  ASSERT_GT(largest, 0.5);
  // 8-bit filters, and an output rounded to the activation step where it is quantised.
  EXPECT_LT(worst, 0.02 * largest + kActivationStep) << "largest " << largest;
}

INSTANTIATE_TEST_SUITE_P(
    Layers, QuantisedConv,
    ::testing::Values(Case{{1, 1, 64, 128, false, Padding::Same, Activation::Relu6}, "PointwiseRelu6"},
                      Case{{1, 1, 64, 24, false, Padding::Same, Activation::None}, "PointwiseLinear"},
                      Case{{1, 1, 512, 9, false, Padding::Same, Activation::None}, "ClassHead"},
                      Case{{3, 1, 64, 64, true, Padding::Same, Activation::Relu6}, "DepthwiseRelu6"},
                      Case{{3, 2, 64, 64, true, Padding::Same, Activation::Relu6}, "DepthwiseStride2"}),
    [](const auto& info) { return std::string(info.param.name); });

// The first layer writes f32 in the native layout (channel blocks on AVX2); its quantised values
// must land at the same channel and pixel of the NHWC map the integer layers read.
TEST(Quantise, KeepsEachValueAtItsChannelAndPixel) {
  const int channels = 20, height = 3, width = 5;  // 20: not a whole number of 8- or 16-channel blocks
  FeatureMap in{nullptr, 1, channels, height, width, Layout::Native};
  std::vector<float> values(in.size(), -1.f);
  in.data = values.data();
  auto level = [&](int c, int y, int x) { return (c * 7 + y * 11 + x * 13) % 128; };
  for (int c = 0; c < channels; ++c)
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) in.data[in.offset(0, c, y, x)] = level(c, y, x) * kActivationStep;
  FeatureMap out = in;
  out.quantised = true;
  std::vector<float> storage(out.storage_floats());
  out.data = storage.data();
  Cores cores(1);
  Cores::Lease lease = cores.acquire();
  quantise(lease, in, out);
  const auto* levels = reinterpret_cast<const uint8_t*>(out.data);
  for (int c = 0; c < channels; ++c)
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x)
        ASSERT_EQ(levels[out.offset(0, c, y, x)], level(c, y, x)) << "channel " << c << " at " << y << "," << x;
}

}  // namespace
}  // namespace beetroot
