#pragma once
// Activations between layers: n images of c channels, h x w, either in the layout oneDNN's
// convolutions are fastest in on this CPU (its "native" one: NHWC for its AVX-512 kernels,
// channels in blocks of 8, nChw8c, for its AVX2 ones) or in plain NHWC (net inputs, detector
// heads). Both are "channel blocks": NHWC is one block holding every channel.
#include <cstddef>
#include <dnnl.hpp>

namespace beetroot {

enum class Layout { Native, Nhwc };

// Quantised activations (ReLU6 outputs, 0-6) are unsigned integers in steps of 6/127: seven
// bits, so that a pair of u8 x s8 products never saturates the 16-bit sums of CPUs without VNNI,
// and every CPU computes the same numbers.
inline constexpr float kActivationStep = 6.f / 127;

struct FeatureMap {
  float* data = nullptr;  // u8 values where `quantised`
  int n = 1, c = 0, h = 0, w = 0;
  Layout layout = Layout::Native;
  bool quantised = false;

  // Channels per block, and channels rounded up to whole blocks.
  int block() const;
  int padded_channels() const;
  // Values it holds, and the floats of storage they take.
  size_t size() const { return static_cast<size_t>(n) * padded_channels() * h * w; }
  size_t storage_floats() const { return quantised ? (size() + 3) / 4 : size(); }
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
