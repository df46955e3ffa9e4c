#pragma once
#include <opencv2/core.hpp>
#include <vector>

namespace beetroot {

// How a net wants its input values: v = (x - mean[c]) / divisor - shift, in face-api's order of
// operations so that rounding matches too.
struct Normalization {
  cv::Vec3f mean;
  float divisor;
  float shift;
};
inline const Normalization kSsdNormalization{{0.f, 0.f, 0.f}, 127.5f, 1.f};
inline const Normalization kFaceNormalization{{122.782f, 117.001f, 104.298f}, 255.f, 0.f};
inline const Normalization kRawPixels{{0.f, 0.f, 0.f}, 1.f, 0.f};

// A width x height canvas filled with `fill`, with the RGB8 image `region` placed at `offset`.
struct Canvas {
  cv::Mat region;
  int width, height;
  cv::Point offset;
  cv::Vec3f fill;
};

// Resamples the canvas to out_width x out_height with TF's legacy bilinear (no half-pixel
// centres), as face-api does, then normalises, into `out` (RGB, row by row). Only output pixels
// are computed: the canvas is never materialised.
void sample_canvas(const Canvas& canvas, int out_width, int out_height, const Normalization& norm, float* out);
std::vector<float> sample_canvas(const Canvas& canvas, int out, const Normalization& norm);  // square

// face-api's padToSquare(center=true): the odd pixel of padding goes before the image.
Canvas centered_square(const cv::Mat& region);

}  // namespace beetroot
