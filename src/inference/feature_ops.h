#pragma once
// The few steps between layers that oneDNN's fused post-ops do not cover, on feature maps.
#include <vector>

#include "inference/compute.h"
#include "inference/feature_map.h"

namespace beetroot {

// out = the f32 ReLU6 outputs `in` as quantised values (kActivationStep), same shape, in the
// quantised layout (NHWC) whatever the layout of `in`.
void quantise(Cores::Lease& lease, const FeatureMap& in, const FeatureMap& out);

// out = max(in, 0), same shape.
void relu(const FeatureMap& in, const FeatureMap& out);

// Copies `in` into the first channels of `out` (same n, h, w, more channels) and zeroes the rest:
// the zero-padded shortcut of a down-sampling residual block.
void widen_channels(const FeatureMap& in, const FeatureMap& out);

// out = max(out + in, 0), where `in` is smaller and covers out's top-left corner (the rest of
// `out` just gets the max).
void add_top_left_relu(const FeatureMap& in, const FeatureMap& out);

// Copies `in` to `out` in NHWC order.
void to_nhwc(const FeatureMap& in, float* out);

// Mean over each image's pixels: n x c values.
std::vector<float> spatial_mean(const FeatureMap& in);

// A fully connected layer with TF [in, out] weights over n rows of `in` values each.
std::vector<float> fully_connected(const std::vector<float>& input, int in, int out, const std::vector<float>& weights,
                                   const std::vector<float>& bias);

}  // namespace beetroot
