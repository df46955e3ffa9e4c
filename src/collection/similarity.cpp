#include "collection/similarity.h"

#include <algorithm>
#include <cmath>

namespace beetroot {
namespace {

// Calibration anchors, measured with `beetroot eval lfw --calibrate` (docs/faces-and-persons.md).
constexpr float kDistanceAt95 = 0.467f;  // false-match rate 1e-4 over 87 million LFW pairs
constexpr float kDistanceAt80 = 0.600f;  // LFW 10-fold accuracy-optimal threshold
// Different-person pairs of LFW: mean distance, and the correlation of one face's distances to
// two faces of another person (`beetroot eval lfw --calibrate`).
constexpr float kImpostorMean = 0.8048f;
constexpr float kImpostorCorrelation = 0.8684f;

const float kLogit95 = std::log(95.f / 5.f), kLogit80 = std::log(80.f / 20.f);
const float kSpread = (kDistanceAt80 - kDistanceAt95) / (kLogit95 - kLogit80);
const float kMidpoint = kDistanceAt95 + kLogit95 * kSpread;

}  // namespace

float similarity_from_distance(float distance) { return 100.f / (1.f + std::exp((distance - kMidpoint) / kSpread)); }

float linkage_distance(float similarity, size_t evidence) {
  const float one_pair = distance_for_similarity(similarity);
  if (one_pair >= kImpostorMean || evidence <= 1) return one_pair;
  const float n = static_cast<float>(evidence);
  const float spread = std::sqrt(kImpostorCorrelation + (1.f - kImpostorCorrelation) / n);
  return kImpostorMean - (kImpostorMean - one_pair) * spread;
}

float linkage_similarity(float mean_distance, size_t evidence) {
  if (mean_distance >= kImpostorMean || evidence <= 1) return similarity_from_distance(mean_distance);
  const float n = static_cast<float>(evidence);
  const float spread = std::sqrt(kImpostorCorrelation + (1.f - kImpostorCorrelation) / n);
  return similarity_from_distance(kImpostorMean - (kImpostorMean - mean_distance) / spread);
}

float distance_for_similarity(float similarity) { return kMidpoint - kSpread * similarity_logit(similarity); }

float similarity_logit(float similarity) {
  const float s = std::clamp(similarity, 1e-4f, 100.f - 1e-4f);
  return std::log(s / (100.f - s));
}

}  // namespace beetroot
