#include "inference/formats/pixels.h"

#include <opencv2/imgproc.hpp>

namespace beetroot {

cv::Mat reduced(const cv::Mat& rgb, int reduction) {
  if (reduction <= 1) return rgb;
  cv::Mat out;
  const cv::Size size((rgb.cols + reduction - 1) / reduction, (rgb.rows + reduction - 1) / reduction);
  cv::resize(rgb, out, size, 0, 0, cv::INTER_AREA);
  return out;
}

cv::Mat oriented(const cv::Mat& rgb, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2: cv::flip(rgb, out, 1); break;
    case 3: cv::rotate(rgb, out, cv::ROTATE_180); break;
    case 4: cv::flip(rgb, out, 0); break;
    case 5: cv::transpose(rgb, out); break;
    case 6: cv::rotate(rgb, out, cv::ROTATE_90_CLOCKWISE); break;
    case 7: cv::transpose(rgb, out); cv::flip(out, out, -1); break;
    case 8: cv::rotate(rgb, out, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    default: return rgb;
  }
  return out;
}

}  // namespace beetroot
