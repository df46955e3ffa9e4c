#pragma once
// PNG and WebP decoded by their own libraries, whole or straight to 1/reduction of their size (as
// JPEGs are at a DCT scale): a 100-megapixel PNG never takes 300 MB, nor the time to search all of it.
#include <opencv2/core.hpp>
#include <string_view>

namespace beetroot {

// 8-bit RGB at ceil(size / reduction), each pixel the mean of the block it covers. Interlaced
// PNGs are decoded whole, then reduced: their rows arrive in seven passes.
cv::Mat decode_png_reduced(std::string_view bytes, int reduction);
// 8-bit RGB scaled to size / reduction by libwebp while it decodes.
cv::Mat decode_webp_reduced(std::string_view bytes, int width, int height, int reduction);

}  // namespace beetroot
