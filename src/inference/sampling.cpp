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

// One output value: TF's legacy bilinear of its four taps, then normalised.
float blend(float tl, float tr, float bl, float br, float wx, float wy, const Normalization& norm, int c) {
  const float top = tl + (tr - tl) * wx;
  const float bottom = bl + (br - bl) * wx;
  return (top + (bottom - top) * wy - norm.mean[c]) / norm.divisor - norm.shift;
}

}  // namespace

void sample_canvas(const Canvas& canvas, int out_width, int out_height, const Normalization& norm, float* dst) {
  const cv::Mat& img = canvas.region;
  const std::vector<Taps> rows = taps(out_height, canvas.height), cols = taps(out_width, canvas.width);
  // Canvas columns in region coordinates, or -1 where the fill shows.
  auto region_column = [&](int x) {
    const int ix = x - canvas.offset.x;
    return ix >= 0 && ix < img.cols ? ix : -1;
  };
  std::vector<int> col0(out_width), col1(out_width);
  for (int x = 0; x < out_width; ++x) {
    col0[x] = region_column(cols[x].i0);
    col1[x] = region_column(cols[x].i1);
  }
  // Output columns [first_inside, end_inside) take both taps from the photo (taps only grow with x).
  int first_inside = 0, end_inside = out_width;
  while (first_inside < out_width && (col0[first_inside] < 0 || col1[first_inside] < 0)) ++first_inside;
  while (end_inside > first_inside && (col0[end_inside - 1] < 0 || col1[end_inside - 1] < 0)) --end_inside;
  const cv::Vec3f fill = canvas.fill;
  auto at = [&](const cv::Vec3b* row, int column, int c) {
    return row && column >= 0 ? static_cast<float>(row[column][c]) : fill[c];
  };
  for (int y = 0; y < out_height; ++y) {
    const Taps& ty = rows[y];
    auto region_row = [&](int canvas_y) {
      const int iy = canvas_y - canvas.offset.y;
      return iy >= 0 && iy < img.rows ? img.ptr<cv::Vec3b>(iy) : nullptr;
    };
    const cv::Vec3b* top_row = region_row(ty.i0);
    const cv::Vec3b* bottom_row = region_row(ty.i1);
    float* d = dst + static_cast<size_t>(y) * out_width * 3;
    // Where all four taps are photo (most of every pass), no branch per tap.
    const bool rows_inside = top_row && bottom_row;
    for (int x = 0; x < out_width; ++x, d += 3) {
      const float wx = cols[x].weight;
      if (rows_inside && x >= first_inside && x < end_inside) {
        const cv::Vec3b &tl = top_row[col0[x]], &tr = top_row[col1[x]];
        const cv::Vec3b &bl = bottom_row[col0[x]], &br = bottom_row[col1[x]];
        for (int c = 0; c < 3; ++c) d[c] = blend(tl[c], tr[c], bl[c], br[c], wx, ty.weight, norm, c);
      } else {
        for (int c = 0; c < 3; ++c)
          d[c] = blend(at(top_row, col0[x], c), at(top_row, col1[x], c), at(bottom_row, col0[x], c),
                       at(bottom_row, col1[x], c), wx, ty.weight, norm, c);
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
