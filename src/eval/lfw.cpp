#include "eval/lfw.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "inference/image.h"

namespace beetroot {
namespace {

std::string image_path(const std::string& name, int number) {
  char file[16];
  std::snprintf(file, sizeof file, "_%04d.jpg", number);
  return "lfw-deepfunneled/" + name + "/" + name + file;
}

DescriptorMap load_cache(const std::filesystem::path& cache) {
  DescriptorMap map;
  std::ifstream in(cache);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string path;
    int found = 0;
    fields >> path >> found;
    if (!found) {
      map[path] = std::nullopt;
      continue;
    }
    Descriptor d;
    for (float& v : d) fields >> v;
    if (fields) map[path] = d;
  }
  return map;
}

void append_cache(std::ofstream& out, const std::string& path, const std::optional<Descriptor>& d) {
  out << path << ' ' << (d ? 1 : 0);
  if (d) {
    char value[32];
    for (float v : *d) {
      std::snprintf(value, sizeof value, " %.9g", v);
      out << value;
    }
  }
  out << '\n';
}

}  // namespace

std::vector<LfwPair> read_lfw_pairs(const std::filesystem::path& pairs_txt) {
  std::ifstream in(pairs_txt);
  if (!in) throw Error(ErrorKind::InvalidParameter, "cannot open " + pairs_txt.string());
  int folds = 0, per_fold = 0;
  in >> folds >> per_fold;
  std::vector<LfwPair> pairs;
  for (int fold = 0; fold < folds; ++fold) {
    for (int i = 0; i < 2 * per_fold; ++i) {
      std::string name1, name2;
      int n1 = 0, n2 = 0;
      if (i < per_fold) {
        in >> name1 >> n1 >> n2;
        name2 = name1;
      } else {
        in >> name1 >> n1 >> name2 >> n2;
      }
      if (!in) throw Error(ErrorKind::InvalidParameter, pairs_txt.string() + ": malformed pairs file");
      pairs.push_back({image_path(name1, n1), image_path(name2, n2), i < per_fold, fold});
    }
  }
  return pairs;
}

const FaceDetail* central_face(const DetectedImage& d) {
  const cv::Point2f centre(d.image.rgb.cols / 2.f, d.image.rgb.rows / 2.f);
  const FaceDetail* best = nullptr;
  float best_distance = 0;
  for (const auto& f : d.faces) {
    const cv::Point2f c(f.box.x + f.box.width / 2, f.box.y + f.box.height / 2);
    const float dist = static_cast<float>(cv::norm(c - centre));
    if (!best || dist < best_distance) best = &f, best_distance = dist;
  }
  return best;
}

std::vector<DescriptorMap> describe_images(const std::vector<FaceEngine*>& describers,
                                           const std::filesystem::path& data_dir,
                                           const std::vector<std::string>& images,
                                           const std::vector<std::filesystem::path>& caches, int workers) {
  const size_t n = describers.size();
  std::vector<DescriptorMap> maps(n);
  std::vector<std::ofstream> outs(n);
  for (size_t k = 0; k < n; ++k) {
    if (caches[k].empty()) continue;
    maps[k] = load_cache(caches[k]);
    outs[k].open(caches[k], std::ios::app);
  }
  std::vector<std::string> todo;
  for (const auto& image : images)
    if (std::any_of(maps.begin(), maps.end(), [&](const DescriptorMap& m) { return !m.count(image); })) todo.push_back(image);
  std::mutex mutex;
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < todo.size();) {
      std::vector<std::optional<Descriptor>> d(n);
      try {
        const DetectedImage detected = describers[0]->detect(read_file_bytes((data_dir / todo[i]).string()));
        if (const FaceDetail* face = central_face(detected))
          for (size_t k = 0; k < n; ++k) d[k] = describers[k]->describe(detected.image.rgb, *face);
      } catch (const Error& e) {
        std::fprintf(stderr, "%s: %s\n", todo[i].c_str(), e.what());
      }
      std::lock_guard lock(mutex);
      for (size_t k = 0; k < n; ++k) {
        maps[k][todo[i]] = d[k];
        if (outs[k].is_open()) append_cache(outs[k], todo[i], d[k]);
      }
      if ((i + 1) % 500 == 0) std::fprintf(stderr, "described %zu/%zu images\n", i + 1, todo.size());
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < std::max(workers, 1); ++w) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  return maps;
}

DescriptorMap describe_images(FaceEngine& engine, const std::filesystem::path& data_dir,
                              const std::vector<std::string>& images, const std::filesystem::path& cache, int workers) {
  return describe_images(std::vector<FaceEngine*>{&engine}, data_dir, images, {cache}, workers)[0];
}

VerificationResult ten_fold_verification(const std::vector<LfwPair>& pairs, const DescriptorMap& descriptors) {
  struct Scored {
    float distance;  // infinity when a face is missing: such a pair can only be called "different"
    bool same;
    int fold;
  };
  std::vector<Scored> scored;
  VerificationResult result{0, 0, 0, 0};
  for (const auto& p : pairs) {
    const auto a = descriptors.find(p.a), b = descriptors.find(p.b);
    const bool ok = a != descriptors.end() && b != descriptors.end() && a->second && b->second;
    if (!ok) ++result.pairs_without_face;
    scored.push_back({ok ? descriptor_distance(*a->second, *b->second) : INFINITY, p.same, p.fold});
  }
  auto accuracy = [&](float threshold, auto in_set) {
    int right = 0, total = 0;
    for (const auto& s : scored) {
      if (!in_set(s.fold)) continue;
      ++total;
      right += (s.distance < threshold) == s.same;
    }
    return total ? static_cast<double>(right) / total : 0.0;
  };
  std::vector<double> accuracies;
  for (int fold = 0; fold < 10; ++fold) {
    float best_threshold = 0;
    double best = -1;
    for (float t = 0.2f; t < 1.2f; t += 0.0025f) {
      const double acc = accuracy(t, [&](int f) { return f != fold; });
      if (acc > best) best = acc, best_threshold = t;
    }
    accuracies.push_back(accuracy(best_threshold, [&](int f) { return f == fold; }));
    result.mean_threshold += best_threshold / 10;
  }
  for (double a : accuracies) result.mean_accuracy += a / accuracies.size();
  for (double a : accuracies) result.stddev += std::pow(a - result.mean_accuracy, 2) / accuracies.size();
  result.stddev = std::sqrt(result.stddev);
  return result;
}

}  // namespace beetroot

namespace beetroot {
namespace {

// Impostor distances are counted in fine bins: 87 million pairs do not need to be kept.
constexpr float kBinWidth = 0.0005f;
constexpr size_t kBins = 4000;  // distances 0..2

size_t bin_of(float distance) { return std::min(kBins - 1, static_cast<size_t>(distance / kBinWidth)); }

}  // namespace

std::vector<std::string> all_lfw_images(const std::filesystem::path& data_dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(data_dir / "lfw-deepfunneled"))
    if (e.is_regular_file() && e.path().extension() == ".jpg")
      out.push_back(std::filesystem::relative(e.path(), data_dir).generic_string());
  std::sort(out.begin(), out.end());
  return out;
}

PairDistances::PairDistances(const DescriptorMap& descriptors) : impostor_histogram_(kBins, 0) {
  std::vector<std::string> identity;
  std::vector<const Descriptor*> vectors;
  for (const auto& [path, d] : descriptors) {
    if (!d) continue;
    identity.push_back(lfw_identity(path));
    vectors.push_back(&*d);
  }
  for (size_t i = 0; i < vectors.size(); ++i) {
    for (size_t j = i + 1; j < vectors.size(); ++j) {
      const float distance = descriptor_distance(*vectors[i], *vectors[j]);
      if (identity[i] == identity[j]) {
        genuine_.push_back(distance);
      } else {
        ++impostor_histogram_[bin_of(distance)];
        ++impostor_count_;
        impostor_sum_ += distance;
      }
    }
  }
  std::sort(genuine_.begin(), genuine_.end());
}

std::string lfw_identity(const std::string& image_path) {
  return std::filesystem::path(image_path).parent_path().filename().string();
}

double impostor_correlation(const DescriptorMap& descriptors, size_t samples, unsigned seed) {
  std::vector<const Descriptor*> vectors;
  std::map<std::string, std::vector<size_t>> faces_of;
  for (const auto& [path, d] : descriptors) {
    if (!d) continue;
    faces_of[lfw_identity(path)].push_back(vectors.size());
    vectors.push_back(&*d);
  }
  std::vector<const std::vector<size_t>*> repeated;
  for (const auto& [identity, faces] : faces_of)
    if (faces.size() >= 2) repeated.push_back(&faces);
  std::mt19937 rng(seed);
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  size_t n = 0;
  while (n < samples) {
    const auto& faces = *repeated[rng() % repeated.size()];
    const size_t a = faces[rng() % faces.size()], b = faces[rng() % faces.size()], probe = rng() % vectors.size();
    if (a == b || std::find(faces.begin(), faces.end(), probe) != faces.end()) continue;
    const double x = descriptor_distance(*vectors[probe], *vectors[a]), y = descriptor_distance(*vectors[probe], *vectors[b]);
    sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y, ++n;
  }
  const double cov = sxy / n - sx / n * sy / n;
  return cov / std::sqrt((sxx / n - sx / n * sx / n) * (syy / n - sy / n * sy / n));
}

ErrorRates PairDistances::at(float distance) const {
  uint64_t false_matches = 0;
  for (size_t b = 0; b <= bin_of(distance); ++b) false_matches += impostor_histogram_[b];
  const size_t non_matches = genuine_.end() - std::upper_bound(genuine_.begin(), genuine_.end(), distance);
  return {impostor_count_ ? static_cast<double>(false_matches) / impostor_count_ : 0.0,
          genuine_.empty() ? 0.0 : static_cast<double>(non_matches) / genuine_.size()};
}

float PairDistances::distance_at_false_match_rate(double rate) const {
  uint64_t cumulative = 0;
  for (size_t b = 0; b < kBins; ++b) {
    cumulative += impostor_histogram_[b];
    if (static_cast<double>(cumulative) / impostor_count_ > rate) return b * kBinWidth;
  }
  return kBins * kBinWidth;
}

}  // namespace beetroot
