#pragma once
// Activations between layers: n images of c channels, h x w, either in the layout oneDNN's
// convolutions are fastest in on this CPU (its "native" one: NHWC for its AVX-512 kernels,
// channels in blocks of 8, nChw8c, for its AVX2 ones) or in plain NHWC (net inputs, detector
// heads). Both are "channel blocks": NHWC is one block holding every channel.
#include <cstddef>
#include <dnnl.hpp>

namespace beetroot {

enum class Layout { Native, Nhwc };

struct FeatureMap {
  float* data = nullptr;
  int n = 1, c = 0, h = 0, w = 0;
  Layout layout = Layout::Native;

  // Channels per block, and channels rounded up to whole blocks.
  int block() const;
  int padded_channels() const;
  // Floats it occupies.
  size_t size() const { return static_cast<size_t>(n) * padded_channels() * h * w; }
  // Where channel c of pixel (y, x) of image i lives.
  size_t offset(int i, int channel, int y, int x) const {
    const int b = block();
    return ((((static_cast<size_t>(i) * (padded_channels() / b) + channel / b) * h + y) * w + x) * b) + channel % b;
  }
  dnnl::memory::desc desc() const;
};

// The native layout's channel block on this CPU; 0 where it is NHWC.
int native_channel_block();

}  // namespace beetroot
