#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace beetroot {

struct Tensor {
  std::vector<int> shape;
  std::vector<float> values;
  size_t size() const { return values.size(); }
};

// A TF.js layers/graph weights file pair (NAME-weights_manifest.json + NAME.bin),
// dequantised once at load. Integer constants (shape helpers) are skipped but counted.
class WeightMap {
 public:
  // `dropped_bits` > 0 rounds quantised weights to a coarser grid over the same range: the
  // accuracy each bit costs tells what 8-bit quantisation costs against float weights.
  static WeightMap load(const std::filesystem::path& manifest, int dropped_bits = 0);
  const Tensor& get(const std::string& name) const;
  // Checks the shape too: a wrong file for a net is caught at load, not at inference.
  const Tensor& get(const std::string& name, const std::vector<int>& shape) const;
  size_t count() const { return tensors_.size(); }

 private:
  std::map<std::string, Tensor> tensors_;
};

}  // namespace beetroot
