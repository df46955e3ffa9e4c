#pragma once
// Thin RAII wrappers over XNNPACK operators. Filters arrive in TF layouts and are
// repacked once; batch norm, scale layers and activations are folded by the caller.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

struct xnn_operator;

namespace beetroot {

class ThreadPool;

struct Padding {
  uint32_t top = 0, right = 0, bottom = 0, left = 0;
};

// TF 'same': pads the deficit, the odd pixel at bottom/right.
Padding same_padding(int in_h, int in_w, int kernel, int stride);

inline constexpr float kNoClamp = std::numeric_limits<float>::infinity();

struct ConvSpec {
  int kernel = 1;
  int stride = 1;
  int in_channels = 0;
  int out_channels = 0;
  bool depthwise = false;
  Padding padding;
  float out_min = -kNoClamp;
  float out_max = kNoClamp;
};

class Operator {
 public:
  Operator() = default;
  explicit Operator(xnn_operator* op) : op_(op) {}
  Operator(Operator&& other) noexcept : op_(other.op_) { other.op_ = nullptr; }
  Operator& operator=(Operator&& other) noexcept;
  ~Operator();
  xnn_operator* get() const { return op_; }

 private:
  xnn_operator* op_ = nullptr;
};

class Conv2d {
 public:
  // filters: TF [k,k,in,out] (dense) or [k,k,channels,1] (depthwise); bias may be empty.
  Conv2d(const ConvSpec& spec, const std::vector<float>& filters, const std::vector<float>& bias);
  void run(const float* input, int in_h, int in_w, float* output, ThreadPool& pool);
  int out_size(int in) const;
  const ConvSpec& spec() const { return spec_; }

 private:
  ConvSpec spec_;
  Operator op_;
};

class Pool2d {
 public:
  enum class Kind { Max, Average };
  Pool2d(Kind kind, int size, int stride, int channels);  // 'valid' padding
  void run(const float* input, int in_h, int in_w, float* output, ThreadPool& pool);
  int out_size(int in) const { return (in - size_) / stride_ + 1; }

 private:
  Kind kind_;
  int size_, stride_, channels_;
  Operator op_;
};

class FullyConnected {
 public:
  // weights: TF [in,out]; bias may be empty.
  FullyConnected(int in, int out, const std::vector<float>& weights, const std::vector<float>& bias);
  void run(const float* input, float* output, ThreadPool& pool, size_t batch = 1);

 private:
  Operator op_;
};

// Initialises XNNPACK once per process.
void ensure_xnnpack();

}  // namespace beetroot
