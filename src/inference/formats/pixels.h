#pragma once
// What every decoder does to its pixels after decoding: shrink to the working size, turn upright.
#include <opencv2/core.hpp>

namespace beetroot {

// Each pixel the mean of the reduction x reduction block it covers; ceil(size / reduction).
cv::Mat reduced(const cv::Mat& rgb, int reduction);
// Turned upright from an EXIF/TIFF orientation (1-8; any other value leaves the pixels as they are).
cv::Mat oriented(const cv::Mat& rgb, int orientation);

}  // namespace beetroot
