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

// Descriptor of the face nearest the centre (LFW photos are centred on their subject); none if no face.
std::optional<Descriptor> describe_central_face(FaceEngine& engine, const std::string& file_bytes);

// Descriptors of many images, computed in parallel and cached on disk between runs.
using DescriptorMap = std::map<std::string, std::optional<Descriptor>>;
DescriptorMap describe_images(FaceEngine& engine, const std::filesystem::path& data_dir,
                              const std::vector<std::string>& images, const std::filesystem::path& cache, int workers);

struct VerificationResult {
  double mean_accuracy, stddev;
  double mean_threshold;
  int pairs_without_face;  // counted as errors, never dropped
};
VerificationResult ten_fold_verification(const std::vector<LfwPair>& pairs, const DescriptorMap& descriptors);

}  // namespace beetroot
