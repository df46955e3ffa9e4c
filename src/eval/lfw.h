#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "inference/face_engine.h"

namespace beetroot {

// The standard LFW View-2 protocol: 10 folds of 300 same and 300 different pairs.
struct LfwPair {
  std::string a, b;  // image paths relative to the data folder
  bool same;
  int fold;
};
std::vector<LfwPair> read_lfw_pairs(const std::filesystem::path& pairs_txt);

// The face nearest the centre (LFW photos are centred on their subject), if any.
const FaceDetail* central_face(const DetectedImage& detected);

// Descriptors of each image's central face, computed in parallel and cached on disk between runs.
using DescriptorMap = std::map<std::string, std::optional<Descriptor>>;
DescriptorMap describe_images(FaceEngine& engine, const std::filesystem::path& data_dir,
                              const std::vector<std::string>& images, const std::filesystem::path& cache, int workers);
// The same for several describers at once: faces are found once, by the first.
std::vector<DescriptorMap> describe_images(const std::vector<FaceEngine*>& describers,
                                           const std::filesystem::path& data_dir,
                                           const std::vector<std::string>& images,
                                           const std::vector<std::filesystem::path>& caches, int workers);

struct VerificationResult {
  double mean_accuracy, stddev;
  double mean_threshold;
  int pairs_without_face;  // counted as errors, never dropped
};
VerificationResult ten_fold_verification(const std::vector<LfwPair>& pairs, const DescriptorMap& descriptors);

// The person an LFW image shows: its folder's name.
std::string lfw_identity(const std::string& image_path);

// Every image of lfw-deepfunneled/, relative to the data folder.
std::vector<std::string> all_lfw_images(const std::filesystem::path& data_dir);

// Error rates over all pairs of the described images: same-identity pairs farther than a distance
// are false non-matches, different-identity pairs at or within it false matches.
struct ErrorRates {
  double false_match_rate, false_non_match_rate;
};
class PairDistances {
 public:
  explicit PairDistances(const DescriptorMap& descriptors);  // identity = the image's folder
  ErrorRates at(float distance) const;
  float distance_at_false_match_rate(double rate) const;
  size_t genuine_pairs() const { return genuine_.size(); }
  double impostor_mean() const { return impostor_sum_ / static_cast<double>(impostor_count_); }
  size_t impostor_pairs() const { return impostor_count_; }

 private:
  std::vector<float> genuine_;             // sorted
  std::vector<uint64_t> impostor_histogram_;  // counts per distance bin
  size_t impostor_count_ = 0;
  double impostor_sum_ = 0;
};

// The correlation of one face's distances to two faces of another person, over `samples` random
// such triples: how much of a person's distances to a stranger is shared (linkage_distance).
double impostor_correlation(const DescriptorMap& descriptors, size_t samples, unsigned seed);

}  // namespace beetroot
