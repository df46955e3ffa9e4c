#include "inference/sampling.h"

#include <algorithm>
#include <cmath>

namespace beetroot {

std::vector<float> sample_canvas(const SquareCanvas& canvas, int out, const Normalization& norm) {
  const cv::Mat& img = canvas.region;
  const float scale = static_cast<float>(canvas.side) / static_cast<float>(out);
  auto pixel = [&](int y, int x) -> cv::Vec3f {
    const int iy = y - canvas.offset.y, ix = x - canvas.offset.x;
    if (iy < 0 || ix < 0 || iy >= img.rows || ix >= img.cols) return canvas.fill;
    const auto& p = img.at<cv::Vec3b>(iy, ix);
    return {static_cast<float>(p[0]), static_cast<float>(p[1]), static_cast<float>(p[2])};
  };
  std::vector<float> dst(static_cast<size_t>(out) * out * 3);
  for (int y = 0; y < out; ++y) {
    const float in_y = static_cast<float>(y) * scale;
    const int y0 = static_cast<int>(std::floor(in_y));
    const int y1 = std::min(y0 + 1, canvas.side - 1);
    const float ly = in_y - static_cast<float>(y0);
    for (int x = 0; x < out; ++x) {
      const float in_x = static_cast<float>(x) * scale;
      const int x0 = static_cast<int>(std::floor(in_x));
      const int x1 = std::min(x0 + 1, canvas.side - 1);
      const float lx = in_x - static_cast<float>(x0);
      const cv::Vec3f tl = pixel(y0, x0), tr = pixel(y0, x1), bl = pixel(y1, x0), br = pixel(y1, x1);
      float* d = &dst[(static_cast<size_t>(y) * out + x) * 3];
      for (int c = 0; c < 3; ++c) {
        const float top = tl[c] + (tr[c] - tl[c]) * lx;
        const float bottom = bl[c] + (br[c] - bl[c]) * lx;
        d[c] = (top + (bottom - top) * ly - norm.mean[c]) / norm.divisor - norm.shift;
      }
    }
  }
  return dst;
}

SquareCanvas centered_square(const cv::Mat& region) {
  const int side = std::max(region.rows, region.cols);
  const int diff = std::abs(region.rows - region.cols);
  const int before = diff - static_cast<int>(std::floor(diff * 0.5 + 0.5));
  const cv::Point offset = region.rows > region.cols ? cv::Point(before, 0) : cv::Point(0, before);
  return {region, side, offset, {0, 0, 0}};
}

}  // namespace beetroot
