#include "inference/feature_map.h"

#include "inference/compute.h"

namespace beetroot {
namespace {

using tag = dnnl::memory::format_tag;

// The layout oneDNN itself picks for a typical 1x1 convolution of the nets on this CPU.
int probe_native_channel_block() {
  const dnnl::memory::desc src({1, 64, 32, 32}, dnnl::memory::data_type::f32, tag::any);
  const dnnl::memory::desc weights({128, 64, 1, 1}, dnnl::memory::data_type::f32, tag::any);
  const dnnl::memory::desc dst({1, 128, 32, 32}, dnnl::memory::data_type::f32, tag::any);
  const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src,
                                          weights, dst, {1, 1}, {0, 0}, {0, 0});
  const dnnl::convolution_forward::primitive_desc pd(d, cpu_engine());
  const auto& blocking = pd.dst_desc().data.format_desc.blocking;
  if (blocking.inner_nblks == 1 && (blocking.inner_blks[0] == 8 || blocking.inner_blks[0] == 16))
    return static_cast<int>(blocking.inner_blks[0]);
  return 0;
}

}  // namespace

int native_channel_block() {
  static const int block = probe_native_channel_block();
  return block;
}

int FeatureMap::block() const {
  const int native = native_channel_block();
  return layout == Layout::Nhwc || quantised || native == 0 ? c : native;
}

int FeatureMap::padded_channels() const {
  const int b = block();
  return (c + b - 1) / b * b;
}

dnnl::memory::desc FeatureMap::desc() const {
  const int native = native_channel_block();
  // oneDNN's integer kernels read and write NHWC only, on every ISA.
  const tag t = layout == Layout::Nhwc || quantised || native == 0 ? tag::nhwc : native == 16 ? tag::nChw16c : tag::nChw8c;
  return dnnl::memory::desc({n, c, h, w}, quantised ? dnnl::memory::data_type::u8 : dnnl::memory::data_type::f32, t);
}

}  // namespace beetroot
