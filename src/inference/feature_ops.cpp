#include "inference/feature_ops.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "base/error.h"

namespace beetroot {

void quantise(Cores::Lease& lease, const FeatureMap& in, const FeatureMap& out) {
  // oneDNN's reorder: vectorised, on the lease's threads, and it moves the channels between the two
  // layouts. It rounds to nearest even as std::nearbyint does; ReLU6 outputs stay within 127.
  dnnl::primitive_attr attr;
  attr.set_output_scales(0, {1.f / kActivationStep});
  const dnnl::engine& engine = cpu_engine();
  const dnnl::reorder::primitive_desc pd(engine, in.desc(), engine, out.desc(), attr);
  dnnl::memory src(in.desc(), engine, in.data), dst(out.desc(), engine, out.data);
  dnnl::reorder(pd).execute(lease.stream(), src, dst);
}

void relu(const FeatureMap& in, const FeatureMap& out) {
  const size_t n = in.size();
  const float* src = in.data;
  float* dst = out.data;
  // A comparison, not std::max: GCC vectorises this form.
#pragma omp simd
  for (size_t i = 0; i < n; ++i) dst[i] = src[i] > 0.f ? src[i] : 0.f;
}

void widen_channels(const FeatureMap& in, const FeatureMap& out) {
  std::fill_n(out.data, out.size(), 0.f);
  const int b = in.block();
  for (int i = 0; i < in.n; ++i)
    for (int c = 0; c < in.c; c += b)
      for (int y = 0; y < in.h; ++y)
        for (int x = 0; x < in.w; ++x)
          std::copy_n(in.data + in.offset(i, c, y, x), std::min(b, in.c - c), out.data + out.offset(i, c, y, x));
}

void add_top_left_relu(const FeatureMap& in, const FeatureMap& out) {
  const int b = out.block();
  for (int i = 0; i < out.n; ++i)
    for (int c = 0; c < out.c; c += b)
      for (int y = 0; y < out.h; ++y)
        for (int x = 0; x < out.w; ++x) {
          float* d = out.data + out.offset(i, c, y, x);
          const float* s = y < in.h && x < in.w ? in.data + in.offset(i, c, y, x) : nullptr;
          for (int k = 0; k < b; ++k) {
            const float v = d[k] + (s ? s[k] : 0.f);
            d[k] = v > 0.f ? v : 0.f;
          }
        }
}

void to_nhwc(const FeatureMap& in, float* out) {
  for (int i = 0; i < in.n; ++i)
    for (int y = 0; y < in.h; ++y)
      for (int x = 0; x < in.w; ++x)
        for (int c = 0; c < in.c; ++c) *out++ = in.data[in.offset(i, c, y, x)];
}

std::vector<float> spatial_mean(const FeatureMap& in) {
  std::vector<float> mean(static_cast<size_t>(in.n) * in.c, 0.f);
  const int b = in.block();
  for (int i = 0; i < in.n; ++i)
    for (int c = 0; c < in.c; c += b)
      for (int y = 0; y < in.h; ++y)
        for (int x = 0; x < in.w; ++x) {
          const float* s = in.data + in.offset(i, c, y, x);
          float* m = &mean[static_cast<size_t>(i) * in.c + c];
          for (int k = 0; k < std::min(b, in.c - c); ++k) m[k] += s[k];
        }
  for (float& v : mean) v /= static_cast<float>(in.h * in.w);
  return mean;
}

std::vector<float> fully_connected(const std::vector<float>& input, int in, int out, const std::vector<float>& weights,
                                   const std::vector<float>& bias) {
  if (weights.size() != static_cast<size_t>(in) * out || (!bias.empty() && bias.size() != static_cast<size_t>(out)))
    throw Error(ErrorKind::ModelMissing, "fully connected size mismatch");
  const size_t rows = input.size() / in;
  std::vector<float> result(rows * out);
  for (size_t r = 0; r < rows; ++r) {
    float* o = &result[r * out];
    for (int j = 0; j < out; ++j) o[j] = bias.empty() ? 0.f : bias[j];
    for (int i = 0; i < in; ++i) {
      const float x = input[r * in + i];
      const float* w = &weights[static_cast<size_t>(i) * out];
#pragma omp simd
      for (int j = 0; j < out; ++j) o[j] += x * w[j];
    }
  }
  return result;
}

}  // namespace beetroot
