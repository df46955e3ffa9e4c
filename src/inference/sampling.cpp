#include "inference/sampling.h"

#include <algorithm>
#include <cmath>

namespace beetroot {
namespace {

// The source taps of one output coordinate: two neighbours and the weight of the second.
struct Taps {
  int i0, i1;
  float weight;
};

std::vector<Taps> taps(int out, int canvas) {
  const float scale = static_cast<float>(canvas) / static_cast<float>(out);
  std::vector<Taps> t(out);
  for (int o = 0; o < out; ++o) {
    const float in = static_cast<float>(o) * scale;
    const int i0 = static_cast<int>(std::floor(in));
    t[o] = {i0, std::min(i0 + 1, canvas - 1), in - static_cast<float>(i0)};
  }
  return t;
}

}  // namespace

void sample_canvas(const Canvas& canvas, int out_width, int out_height, const Normalization& norm, float* dst) {
  const cv::Mat& img = canvas.region;
  auto pixel = [&](int y, int x) -> cv::Vec3f {
    const int iy = y - canvas.offset.y, ix = x - canvas.offset.x;
    if (iy < 0 || ix < 0 || iy >= img.rows || ix >= img.cols) return canvas.fill;
    const auto& p = img.at<cv::Vec3b>(iy, ix);
    return {static_cast<float>(p[0]), static_cast<float>(p[1]), static_cast<float>(p[2])};
  };
  const std::vector<Taps> rows = taps(out_height, canvas.height), cols = taps(out_width, canvas.width);
  for (int y = 0; y < out_height; ++y) {
    const Taps& ty = rows[y];
    for (int x = 0; x < out_width; ++x) {
      const Taps& tx = cols[x];
      const cv::Vec3f tl = pixel(ty.i0, tx.i0), tr = pixel(ty.i0, tx.i1), bl = pixel(ty.i1, tx.i0),
                      br = pixel(ty.i1, tx.i1);
      float* d = dst + (static_cast<size_t>(y) * out_width + x) * 3;
      for (int c = 0; c < 3; ++c) {
        const float top = tl[c] + (tr[c] - tl[c]) * tx.weight;
        const float bottom = bl[c] + (br[c] - bl[c]) * tx.weight;
        d[c] = (top + (bottom - top) * ty.weight - norm.mean[c]) / norm.divisor - norm.shift;
      }
    }
  }
}

std::vector<float> sample_canvas(const Canvas& canvas, int out, const Normalization& norm) {
  std::vector<float> dst(static_cast<size_t>(out) * out * 3);
  sample_canvas(canvas, out, out, norm, dst.data());
  return dst;
}

Canvas centered_square(const cv::Mat& region) {
  const int side = std::max(region.rows, region.cols);
  const int diff = std::abs(region.rows - region.cols);
  const int before = diff - static_cast<int>(std::floor(diff * 0.5 + 0.5));
  const cv::Point offset = region.rows > region.cols ? cv::Point(before, 0) : cv::Point(0, before);
  return {region, side, side, offset, {0, 0, 0}};
}

}  // namespace beetroot
