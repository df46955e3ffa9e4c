#pragma once
// The nets' layers on oneDNN. Filters arrive in TF layouts and are packed once, at load, into
// the layout oneDNN's kernels read; batch norm and scale layers are folded in by the caller,
// activations and residual sums are fused into the convolution. A layer runs on any input size
// and batch: the primitive for each shape is made on first use and kept.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "inference/compute.h"
#include "inference/feature_map.h"

namespace beetroot {

enum class Activation { None, Relu, Relu6 };
enum class Padding { Same, Valid };  // TF's: 'same' pads the odd pixel at bottom/right

struct ConvSpec {
  int kernel = 1;
  int stride = 1;
  int in_channels = 0;
  int out_channels = 0;
  bool depthwise = false;
  Padding padding = Padding::Same;
  Activation activation = Activation::None;
  bool accumulate = false;  // output = activation(output + convolution): residual sums in place
  Layout in_layout = Layout::Native;  // the layout it is built for; runs on either; output: native
  // Quantised input (kActivationStep) and filters (s8, one step per output channel); the output
  // quantised too after a ReLU6, in f32 otherwise. 3-4x the speed of f32 with VNNI, 1.6x on AVX2.
  bool quantised = false;
};

class Conv2d {
 public:
  // filters: TF [k,k,in,out] (dense) or [k,k,channels,1] (depthwise); bias may be empty.
  Conv2d(const ConvSpec& spec, const std::vector<float>& filters, const std::vector<float>& bias);
  Conv2d(Conv2d&&) noexcept;
  ~Conv2d();

  int out_size(int in) const;
  // The output for `in`, placed at `data`.
  FeatureMap output(const FeatureMap& in, float* data) const;
  void run(Cores::Lease& lease, const FeatureMap& in, const FeatureMap& out);
  const ConvSpec& spec() const { return spec_; }

  // Multiply-adds, counted as 2 FLOPs, of one run on `in`.
  uint64_t flops(const FeatureMap& in) const;
  // What every convolution of the process has run so far: the work the benchmarks divide by.
  static uint64_t executed_flops() { return executed_flops_; }

 private:
  struct Plan;
  // A primitive runs on the threads there were when it was made: the count is part of its shape.
  using Shape = std::tuple<int, int, int, Layout, int>;
  std::shared_ptr<Plan> plan(const FeatureMap& in, int threads);
  // The kernel oneDNN picks for `in`, not yet compiled.
  dnnl::convolution_forward::primitive_desc describe(const FeatureMap& in) const;
  const dnnl::memory& weights_for(const dnnl::memory::desc& desc);
  bool quantised_output() const;

  ConvSpec spec_;
  dnnl::memory bias_;
  std::vector<float> scales_;  // quantised filters: the step of each output channel
  std::vector<dnnl::memory> packed_;  // the filters in each layout a primitive asked for; nearly always one
  std::mutex mutex_;
  std::map<Shape, std::shared_ptr<Plan>> plans_;  // shared: a plan outlives its eviction while it runs
  static inline std::atomic<uint64_t> executed_flops_{0};
};

// 'valid' pooling.
class Pool2d {
 public:
  enum class Kind { Max, Average };
  Pool2d(Kind kind, int size, int stride);
  Pool2d(Pool2d&&) noexcept;
  ~Pool2d();
  int out_size(int in) const { return (in - size_) / stride_ + 1; }
  FeatureMap output(const FeatureMap& in, float* data) const;
  void run(Cores::Lease& lease, const FeatureMap& in, const FeatureMap& out);

 private:
  struct Plan;
  using Shape = std::tuple<int, int, int, int, int>;
  Kind kind_;
  int size_, stride_;
  std::mutex mutex_;
  std::map<Shape, std::shared_ptr<Plan>> plans_;  // shared: a plan outlives its eviction while it runs
};

// TF 'same' padding of one dimension: {before, after}.
std::pair<int, int> same_padding(int in, int kernel, int stride);

}  // namespace beetroot
