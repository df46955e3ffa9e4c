#include "inference/layers.h"

#include <cmath>
#include <optional>
#include <string>

#include "base/error.h"

namespace beetroot {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

// Shapes a layer keeps primitives for; detection inputs are rounded so few distinct ones occur.
constexpr size_t kMaxPlans = 32;

dnnl::memory with_values(const dnnl::memory::desc& desc, const std::vector<float>& values) {
  dnnl::memory m(desc, cpu_engine());
  std::copy(values.begin(), values.end(), static_cast<float*>(m.get_data_handle()));
  return m;
}

dnnl::memory::dims weight_dims(const ConvSpec& s) {
  if (s.depthwise) return {s.in_channels, 1, 1, s.kernel, s.kernel};
  return {s.out_channels, s.in_channels, s.kernel, s.kernel};
}

std::pair<int, int> padding_of(const ConvSpec& s, int in) {
  if (s.padding == Padding::Same) return same_padding(in, s.kernel, s.stride);
  return {0, 0};
}

dnnl::memory scratchpad(Cores::Lease& lease, size_t bytes) {
  bytes = std::max<size_t>(bytes, 1);
  return dnnl::memory({{static_cast<dnnl::memory::dim>(bytes)}, dt::u8, tag::x}, cpu_engine(),
                      lease.arena().scratch(Arena::Scratch::Scratchpad, bytes));
}

// oneDNN's reference kernels are two orders of magnitude slower than its JIT ones.
bool is_reference(const dnnl::primitive_desc_base& pd) { return std::string(pd.impl_info_str()).rfind("ref", 0) == 0; }

dnnl::primitive_attr user_scratchpad(dnnl::post_ops ops = {}) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  attr.set_post_ops(ops);
  return attr;
}

}  // namespace

std::pair<int, int> same_padding(int in, int kernel, int stride) {
  const int out = (in + stride - 1) / stride;
  const int total = std::max((out - 1) * stride + kernel - in, 0);
  return {total / 2, total - total / 2};
}

// A primitive for one shape. Where no fast kernel reads the input's layout (the 3-channel NHWC
// net input on AVX2), the kernel's own is used, after a reorder.
struct Conv2d::Plan {
  dnnl::convolution_forward primitive;
  dnnl::memory weights;
  size_t scratchpad_bytes;
  dnnl::memory::desc src;  // what the kernel reads
  std::optional<dnnl::reorder> to_src;
};

Conv2d::Conv2d(const ConvSpec& spec, const std::vector<float>& filters, const std::vector<float>& bias) : spec_(spec) {
  if (spec.depthwise && spec.in_channels != spec.out_channels)
    throw Error(ErrorKind::Internal, "a depthwise convolution keeps its channels");
  const size_t expected = static_cast<size_t>(spec.kernel) * spec.kernel * spec.out_channels *
                          (spec.depthwise ? 1 : spec.in_channels);
  if (filters.size() != expected) throw Error(ErrorKind::ModelMissing, "convolution filter size mismatch");
  if (!bias.empty() && bias.size() != static_cast<size_t>(spec.out_channels))
    throw Error(ErrorKind::ModelMissing, "convolution bias size mismatch");
  std::vector<float> biases = bias.empty() ? std::vector<float>(spec.out_channels, 0.f) : bias;
  // The filters stay in TF's order ([k,k,in,out]; depthwise [k,k,c,1]): oneDNN's reorder packs them.
  const tag tf_order = spec.depthwise ? tag::hwigo : tag::hwio;
  const size_t outs = static_cast<size_t>(spec.out_channels);
  if (!spec.quantised) {
    packed_.push_back(with_values({weight_dims(spec), dt::f32, tf_order}, filters));
  } else {
    // One step per output channel, the largest filter value at 127; the bias in the units of the
    // integer sums, as oneDNN adds it before scaling them.
    std::vector<float> largest(outs, 0.f);
    for (size_t i = 0; i < filters.size(); i += outs)
      for (size_t o = 0; o < outs; ++o) largest[o] = std::max(largest[o], std::abs(filters[i + o]));
    scales_.resize(outs);
    for (size_t o = 0; o < outs; ++o) {
      scales_[o] = largest[o] > 0 ? largest[o] / 127.f : 1.f;
      biases[o] /= kActivationStep * scales_[o];
    }
    dnnl::memory q({weight_dims(spec), dt::s8, tf_order}, cpu_engine());
    auto* values = static_cast<int8_t*>(q.get_data_handle());
    for (size_t i = 0; i < filters.size(); i += outs)
      for (size_t o = 0; o < outs; ++o) values[i + o] = static_cast<int8_t>(std::lround(filters[i + o] / scales_[o]));
    packed_.push_back(q);
  }
  bias_ = with_values({{spec.out_channels}, dt::f32, tag::x}, biases);
  // Packed now for the layout the kernels want, so the first photo does not pay for it; the
  // kernels themselves are compiled for the shapes that come.
  const int typical = std::max(spec.kernel, 32);
  weights_for(describe({nullptr, 1, spec.in_channels, typical, typical, spec.in_layout, spec.quantised}).weights_desc());
  if (packed_.size() > 1) packed_.erase(packed_.begin());  // the plain copy is no longer needed
}

Conv2d::Conv2d(Conv2d&& other) noexcept
    : spec_(other.spec_),
      bias_(std::move(other.bias_)),
      scales_(std::move(other.scales_)),
      packed_(std::move(other.packed_)),
      plans_(std::move(other.plans_)) {}

Conv2d::~Conv2d() = default;

int Conv2d::out_size(int in) const {
  const auto [before, after] = padding_of(spec_, in);
  return (in + before + after - spec_.kernel) / spec_.stride + 1;
}

uint64_t Conv2d::flops(const FeatureMap& in) const {
  const FeatureMap out = output(in, nullptr);
  const uint64_t per_output = static_cast<uint64_t>(spec_.kernel) * spec_.kernel * (spec_.depthwise ? 1 : spec_.in_channels);
  return 2 * per_output * static_cast<uint64_t>(out.n) * out.c * out.h * out.w;
}

FeatureMap Conv2d::output(const FeatureMap& in, float* data) const {
  // Integer kernels write NHWC only, their f32 outputs too.
  return {data, in.n, spec_.out_channels, out_size(in.h), out_size(in.w), spec_.quantised ? Layout::Nhwc : Layout::Native,
          quantised_output()};
}

bool Conv2d::quantised_output() const { return spec_.quantised && spec_.activation == Activation::Relu6; }

const dnnl::memory& Conv2d::weights_for(const dnnl::memory::desc& desc) {
  for (const auto& m : packed_)
    if (m.get_desc() == desc) return m;
  dnnl::memory packed(desc, cpu_engine());
  dnnl::stream stream(cpu_engine());
  dnnl::reorder(packed_.back(), packed).execute(stream, packed_.back(), packed);
  stream.wait();
  packed_.push_back(packed);
  return packed_.back();
}

dnnl::convolution_forward::primitive_desc Conv2d::describe(const FeatureMap& in) const {
  const FeatureMap out = output(in, nullptr);
  const std::pair<int, int> vertical = padding_of(spec_, in.h), horizontal = padding_of(spec_, in.w);
  const int top = vertical.first, bottom = vertical.second, left = horizontal.first, right = horizontal.second;
  dnnl::post_ops ops;
  // Quantised outputs stay in the input's step: the integer sums scale by the filters' steps.
  const float six = quantised_output() ? 6.f / kActivationStep : 6.f;
  if (spec_.accumulate) ops.append_sum(1.f);
  if (spec_.activation == Activation::Relu) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
  if (spec_.activation == Activation::Relu6) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, six);
  dnnl::primitive_attr attr = user_scratchpad(ops);
  if (spec_.quantised) {
    std::vector<float> scales = scales_;
    if (!quantised_output())
      for (float& s : scales) s *= kActivationStep;
    attr.set_output_scales(2, scales);
  }
  const dt filter_type = spec_.quantised ? dt::s8 : dt::f32;
  auto with_layouts = [&](const dnnl::memory::desc& src, const dnnl::memory::desc& dst) {
    const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src,
                                            {weight_dims(spec_), filter_type, tag::any}, bias_.get_desc(), dst,
                                            {spec_.stride, spec_.stride}, {top, left}, {bottom, right});
    return dnnl::convolution_forward::primitive_desc(d, attr, cpu_engine());
  };
  auto pd = with_layouts(in.desc(), out.desc());
  if (is_reference(pd)) {
    auto own = with_layouts({{in.n, in.c, in.h, in.w}, in.desc().data_type(), tag::any}, out.desc());
    if (!is_reference(own)) pd = own;
  }
  return pd;
}

std::shared_ptr<Conv2d::Plan> Conv2d::plan(const FeatureMap& in, int threads) {
  const Shape shape{in.n, in.h, in.w, in.layout, threads};
  std::lock_guard lock(mutex_);
  if (auto it = plans_.find(shape); it != plans_.end()) return it->second;
  if (plans_.size() >= kMaxPlans) plans_.clear();
  const auto pd = describe(in);
  auto plan = std::make_shared<Plan>(Plan{dnnl::convolution_forward(pd), weights_for(pd.weights_desc()),
                                          pd.scratchpad_desc().get_size(), pd.src_desc(), {}});
  if (plan->src != in.desc())
    plan->to_src = dnnl::reorder(dnnl::reorder::primitive_desc(cpu_engine(), in.desc(), cpu_engine(), plan->src));
  plans_.emplace(shape, plan);
  return plan;
}

void Conv2d::run(Cores::Lease& lease, const FeatureMap& in, const FeatureMap& out) {
  const std::shared_ptr<Plan> p = plan(in, lease.threads());
  const dnnl::engine& engine = cpu_engine();
  dnnl::memory src(in.desc(), engine, in.data);
  if (p->to_src) {
    dnnl::memory moved(p->src, engine, lease.arena().scratch(Arena::Scratch::Source, p->src.get_size()));
    p->to_src->execute(lease.stream(), src, moved);
    src = moved;
  }
  p->primitive.execute(lease.stream(), {{DNNL_ARG_SRC, src},
                                        {DNNL_ARG_WEIGHTS, p->weights},
                                        {DNNL_ARG_BIAS, bias_},
                                        {DNNL_ARG_DST, dnnl::memory(out.desc(), engine, out.data)},
                                        {DNNL_ARG_SCRATCHPAD, scratchpad(lease, p->scratchpad_bytes)}});
  executed_flops_ += flops(in);
}

struct Pool2d::Plan {
  dnnl::pooling_forward primitive;
  size_t scratchpad_bytes;
};

Pool2d::Pool2d(Kind kind, int size, int stride) : kind_(kind), size_(size), stride_(stride) {}
Pool2d::Pool2d(Pool2d&& other) noexcept
    : kind_(other.kind_), size_(other.size_), stride_(other.stride_), plans_(std::move(other.plans_)) {}
Pool2d::~Pool2d() = default;

FeatureMap Pool2d::output(const FeatureMap& in, float* data) const {
  return {data, in.n, in.c, out_size(in.h), out_size(in.w), in.layout};
}

void Pool2d::run(Cores::Lease& lease, const FeatureMap& in, const FeatureMap& out) {
  std::shared_ptr<Plan> p;
  {
    const Shape shape{in.n, in.c, in.h, in.w, lease.threads()};
    std::lock_guard lock(mutex_);
    auto it = plans_.find(shape);
    if (it == plans_.end()) {
      if (plans_.size() >= kMaxPlans) plans_.clear();
      const auto algorithm = kind_ == Kind::Max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding;
      const dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_inference, algorithm, in.desc(), out.desc(),
                                          {stride_, stride_}, {size_, size_}, {0, 0}, {0, 0});
      const dnnl::pooling_forward::primitive_desc pd(d, user_scratchpad(), cpu_engine());
      it = plans_.emplace(shape, std::make_shared<Plan>(Plan{dnnl::pooling_forward(pd), pd.scratchpad_desc().get_size()})).first;
    }
    p = it->second;
  }
  const dnnl::engine& engine = cpu_engine();
  p->primitive.execute(lease.stream(),
                       {{DNNL_ARG_SRC, dnnl::memory(in.desc(), engine, in.data)},
                        {DNNL_ARG_DST, dnnl::memory(out.desc(), engine, out.data)},
                        {DNNL_ARG_SCRATCHPAD, scratchpad(lease, p->scratchpad_bytes)}});
}

}  // namespace beetroot
