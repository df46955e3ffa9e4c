#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <istream>
#include <memory>
#include <ostream>

#include "collection/graph.h"
#include "collection/vector_index.h"

namespace beetroot {

// Each dimension coded in 8 bits, with one step for all (so that code distances are integer sums
// of squares, 5x faster than float distances) spanning 10 standard deviations of the widest
// dimension among the faces the graph starts from, centred on each dimension's mean. A value
// outside clamps, which only coarsens that face's rough distance: ranking is by exact distance.
class QuantizedSpace : public hnswlib::SpaceInterface<float> {
 public:
  static constexpr size_t kD = VectorIndex::kDimensions;
  using Code = std::array<uint8_t, kD>;
  static std::unique_ptr<QuantizedSpace> fitted_to(const float* vectors, const uint8_t* alive, size_t slots) {
    std::array<double, kD> sum{}, squares{};
    size_t n = 0;
    for (size_t slot = 0; slot < slots; ++slot) {
      if (!alive[slot]) continue;
      ++n;
      for (size_t k = 0; k < kD; ++k) {
        const double v = vectors[slot * kD + k];
        sum[k] += v;
        squares[k] += v * v;
      }
    }
    auto space = std::make_unique<QuantizedSpace>();
    double widest = 0;
    for (size_t k = 0; k < kD; ++k) {
      const double mean = n ? sum[k] / n : 0;
      widest = std::max(widest, n ? squares[k] / n - mean * mean : 0);
      space->offset_[k] = static_cast<float>(mean);
    }
    space->step_ = static_cast<float>(std::max(10 * std::sqrt(widest) / 255, 1e-6));
    for (auto& offset : space->offset_) offset -= 127.5f * space->step_;
    space->squared_step_ = space->step_ * space->step_;
    return space;
  }
  static std::unique_ptr<QuantizedSpace> read(std::istream& in) {
    auto space = std::make_unique<QuantizedSpace>();
    in.read(reinterpret_cast<char*>(space->offset_.data()), sizeof space->offset_);
    in.read(reinterpret_cast<char*>(&space->step_), sizeof space->step_);
    if (!(space->step_ > 0) || !std::isfinite(space->step_) ||
        !std::all_of(space->offset_.begin(), space->offset_.end(), [](float o) { return std::isfinite(o); }))
      in.setstate(std::ios::failbit);
    space->squared_step_ = space->step_ * space->step_;
    return space;
  }
  void write(std::ostream& out) const {
    out.write(reinterpret_cast<const char*>(offset_.data()), sizeof offset_);
    out.write(reinterpret_cast<const char*>(&step_), sizeof step_);
  }

  Code encode(const float* vector) const {
    Code code;
    for (size_t k = 0; k < kD; ++k)
      code[k] = static_cast<uint8_t>(std::clamp(std::lround((vector[k] - offset_[k]) / step_), 0L, 255L));
    return code;
  }

  size_t get_data_size() override { return kD; }
  hnswlib::DISTFUNC<float> get_dist_func() override { return &distance; }
  void* get_dist_func_param() override { return &squared_step_; }

 private:
  // The squared distance of the values two codes stand for. Compiled for AVX-512, AVX2 and plain
  // x86-64, chosen at start by the CPU: AVX2 halves the time again.
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
  static float distance(const void* a, const void* b, const void* squared_step) {
    const auto *x = static_cast<const uint8_t*>(a), *y = static_cast<const uint8_t*>(b);
    int32_t sum = 0;
    for (size_t k = 0; k < kD; ++k) {
      const int d = int{x[k]} - int{y[k]};
      sum += d * d;
    }
    return static_cast<float>(sum) * *static_cast<const float*>(squared_step);
  }

  std::array<float, kD> offset_{};
  float step_ = 1, squared_step_ = 1;
};

}  // namespace beetroot
