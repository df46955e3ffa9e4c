#include "inference/layers.h"

#include <xnnpack.h>

#include <mutex>
#include <string>

#include "inference/error.h"
#include "inference/thread_pool.h"

namespace beetroot {
namespace {

void check(xnn_status status, const char* what) {
  if (status != xnn_status_success)
    throw Error(ErrorKind::Internal, std::string("XNNPACK ") + what + " failed with status " + std::to_string(status));
}

// TF HWIO -> XNNPACK OHWI.
std::vector<float> to_ohwi(const std::vector<float>& hwio, int k, int in, int out) {
  std::vector<float> ohwi(hwio.size());
  for (int y = 0; y < k; ++y)
    for (int x = 0; x < k; ++x)
      for (int i = 0; i < in; ++i)
        for (int o = 0; o < out; ++o) ohwi[((o * k + y) * k + x) * in + i] = hwio[((y * k + x) * in + i) * out + o];
  return ohwi;
}

}  // namespace

void ensure_xnnpack() {
  static std::once_flag once;
  std::call_once(once, [] { check(xnn_initialize(nullptr), "initialisation"); });
}

Padding same_padding(int in_h, int in_w, int kernel, int stride) {
  auto total = [&](int in) {
    const int out = (in + stride - 1) / stride;
    return std::max((out - 1) * stride + kernel - in, 0);
  };
  const int th = total(in_h), tw = total(in_w);
  return {static_cast<uint32_t>(th / 2), static_cast<uint32_t>(tw - tw / 2), static_cast<uint32_t>(th - th / 2),
          static_cast<uint32_t>(tw / 2)};
}

Operator& Operator::operator=(Operator&& other) noexcept {
  std::swap(op_, other.op_);
  return *this;
}

Operator::~Operator() {
  if (op_) xnn_delete_operator(op_);
}

Conv2d::Conv2d(const ConvSpec& spec, const std::vector<float>& filters, const std::vector<float>& bias) : spec_(spec) {
  ensure_xnnpack();
  const int k = spec.kernel;
  const auto& p = spec.padding;
  xnn_operator_t op = nullptr;
  if (spec.depthwise) {
    if (filters.size() != static_cast<size_t>(k * k * spec.in_channels))
      throw Error(ErrorKind::ModelMissing, "depthwise filter size mismatch");
    check(xnn_create_convolution2d_nhwc_f32(p.top, p.right, p.bottom, p.left, k, k, spec.stride, spec.stride, 1, 1,
                                            spec.in_channels, 1, 1, spec.in_channels, spec.in_channels, filters.data(),
                                            bias.empty() ? nullptr : bias.data(), spec.out_min, spec.out_max,
                                            XNN_FLAG_DEPTHWISE_CONVOLUTION, &op),
          "depthwise convolution");
  } else {
    if (filters.size() != static_cast<size_t>(k * k * spec.in_channels * spec.out_channels))
      throw Error(ErrorKind::ModelMissing, "convolution filter size mismatch");
    const auto packed = to_ohwi(filters, k, spec.in_channels, spec.out_channels);
    check(xnn_create_convolution2d_nhwc_f32(p.top, p.right, p.bottom, p.left, k, k, spec.stride, spec.stride, 1, 1, 1,
                                            spec.in_channels, spec.out_channels, spec.in_channels, spec.out_channels,
                                            packed.data(), bias.empty() ? nullptr : bias.data(), spec.out_min,
                                            spec.out_max, 0, &op),
          "convolution");
  }
  op_ = Operator(op);
}

int Conv2d::out_size(int in) const {
  const int padded = in + static_cast<int>(spec_.padding.top + spec_.padding.bottom);
  return (padded - spec_.kernel) / spec_.stride + 1;
}

void Conv2d::run(const float* input, int in_h, int in_w, float* output, ThreadPool& pool) {
  check(xnn_setup_convolution2d_nhwc_f32(op_.get(), 1, in_h, in_w, input, output, pool.get()), "convolution setup");
  check(xnn_run_operator(op_.get(), pool.get()), "convolution run");
}

Pool2d::Pool2d(Kind kind, int size, int stride, int channels)
    : kind_(kind), size_(size), stride_(stride), channels_(channels) {
  ensure_xnnpack();
  xnn_operator_t op = nullptr;
  const float inf = kNoClamp;
  if (kind == Kind::Max)
    check(xnn_create_max_pooling2d_nhwc_f32(0, 0, 0, 0, size, size, stride, stride, 1, 1, channels, channels, channels,
                                            -inf, inf, 0, &op),
          "max pooling");
  else
    check(xnn_create_average_pooling2d_nhwc_f32(0, 0, 0, 0, size, size, stride, stride, channels, channels, channels,
                                                -inf, inf, 0, &op),
          "average pooling");
  op_ = Operator(op);
}

void Pool2d::run(const float* input, int in_h, int in_w, float* output, ThreadPool& pool) {
  if (kind_ == Kind::Max)
    check(xnn_setup_max_pooling2d_nhwc_f32(op_.get(), 1, in_h, in_w, input, output, pool.get()), "max pooling setup");
  else
    check(xnn_setup_average_pooling2d_nhwc_f32(op_.get(), 1, in_h, in_w, input, output, pool.get()),
          "average pooling setup");
  check(xnn_run_operator(op_.get(), pool.get()), "pooling run");
}

FullyConnected::FullyConnected(int in, int out, const std::vector<float>& weights, const std::vector<float>& bias) {
  ensure_xnnpack();
  if (weights.size() != static_cast<size_t>(in * out)) throw Error(ErrorKind::ModelMissing, "fully connected size mismatch");
  xnn_operator_t op = nullptr;
  check(xnn_create_fully_connected_nc_f32(in, out, in, out, weights.data(), bias.empty() ? nullptr : bias.data(),
                                          -kNoClamp, kNoClamp, XNN_FLAG_TRANSPOSE_WEIGHTS, &op),
        "fully connected");
  op_ = Operator(op);
}

void FullyConnected::run(const float* input, float* output, ThreadPool& pool, size_t batch) {
  check(xnn_setup_fully_connected_nc_f32(op_.get(), batch, input, output, pool.get()), "fully connected setup");
  check(xnn_run_operator(op_.get(), pool.get()), "fully connected run");
}

}  // namespace beetroot
