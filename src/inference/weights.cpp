#include "inference/weights.h"

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/files.h"

namespace beetroot {
namespace {

std::string read_file(const std::filesystem::path& path) {
  auto bytes = read_whole_file(path);
  if (!bytes) throw Error(ErrorKind::ModelMissing, "model file " + path.string() + " is missing or unreadable");
  return std::move(*bytes);
}

size_t element_count(const std::vector<int>& shape) {
  size_t n = 1;
  for (int d : shape) {
    if (d < 0) throw Error(ErrorKind::ModelMissing, "negative dimension in weights manifest");
    n *= static_cast<size_t>(d);
    // No net has a tensor of a billion weights; a product past it would overflow the byte count.
    if (n > (size_t{1} << 30)) throw Error(ErrorKind::ModelMissing, "tensor too large in weights manifest");
  }
  return n;
}

// Whole numbers from 0 to 2^30 only: a fraction or a huge number converted to int is undefined.
std::vector<int> dimensions(const nlohmann::json& shape, const std::string& where) {
  if (!shape.is_array()) throw Error(ErrorKind::ModelMissing, where + ": a tensor's shape is not a list");
  std::vector<int> out;
  for (const auto& d : shape) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0 || d.get<int64_t>() > (int64_t{1} << 30))
      throw Error(ErrorKind::ModelMissing, where + ": a tensor dimension is not a whole number from 0 to 2^30");
    out.push_back(static_cast<int>(d.get<int64_t>()));
  }
  return out;
}

size_t dtype_bytes(const std::string& dtype, const std::string& where) {
  if (dtype == "uint8") return 1;
  if (dtype == "uint16") return 2;
  if (dtype == "float32" || dtype == "int32") return 4;
  throw Error(ErrorKind::ModelMissing, where + ": unsupported dtype " + dtype);
}

// Decodes one manifest entry whose bytes start at `data`; returns its byte length.
size_t decode_entry(const nlohmann::json& entry, const unsigned char* data, size_t available,
                    const std::string& where, int dropped_bits, Tensor& out) {
  const std::string dtype = entry.at("dtype");
  out.shape = dimensions(entry.at("shape"), where);
  const size_t n = element_count(out.shape);
  const bool quantized = entry.contains("quantization");
  const std::string stored = quantized ? entry["quantization"].at("dtype").get<std::string>() : dtype;
  const size_t bytes = n * dtype_bytes(stored, where);
  if (bytes > available) throw Error(ErrorKind::ModelMissing, where + ": weights file is truncated");
  if (dtype != "float32") return bytes;  // int32 graph constants: not needed by our nets
  out.values.resize(n);
  if (!quantized) {
    if (bytes > 0) std::memcpy(out.values.data(), data, bytes);
    return bytes;
  }
  // Computed in double, then rounded, as TF.js does: float arithmetic moves results by ~1e-5.
  const double scale = entry["quantization"].at("scale").get<double>();
  const double min = entry["quantization"].at("min").get<double>();
  const bool one_byte = stored == "uint8";
  for (size_t i = 0; i < n; ++i) {
    const unsigned q = one_byte ? data[i] : (data[2 * i] | (data[2 * i + 1] << 8));
    const double coarse = ((q >> dropped_bits) << dropped_bits) + ((1u << dropped_bits) - 1) / 2.0;
    out.values[i] = static_cast<float>(coarse * scale + min);
  }
  return bytes;
}

}  // namespace

WeightMap WeightMap::load(const std::filesystem::path& manifest_path, int dropped_bits) {
  nlohmann::json manifest;
  try {
    manifest = nlohmann::json::parse(read_file(manifest_path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::ModelMissing, manifest_path.string() + ": not a weights manifest: " + e.what());
  }
  WeightMap map;
  try {
    for (const auto& group : manifest) {
      std::string blob;
      for (const auto& part : group.at("paths")) {
        // Files beside the manifest, nothing else: not "../" nor a device.
        const std::string name = part.get<std::string>();
        if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
          throw Error(ErrorKind::ModelMissing, manifest_path.string() + ": weights path '" + name + "' is not a file name");
        blob += read_file(manifest_path.parent_path() / name);
      }
      const auto* bytes = reinterpret_cast<const unsigned char*>(blob.data());
      size_t offset = 0;
      for (const auto& entry : group.at("weights")) {
        const std::string name = entry.at("name");
        Tensor tensor;
        offset += decode_entry(entry, bytes + offset, blob.size() - offset, manifest_path.string() + " " + name, dropped_bits, tensor);
        if (!tensor.values.empty()) map.tensors_[name] = std::move(tensor);
      }
      if (offset != blob.size())
        throw Error(ErrorKind::ModelMissing, manifest_path.string() + ": manifest describes " + std::to_string(offset) +
                                                 " bytes but the weights file has " + std::to_string(blob.size()));
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::ModelMissing, manifest_path.string() + ": malformed manifest: " + e.what());
  }
  return map;
}

const Tensor& WeightMap::get(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end() || it->second.values.empty())
    throw Error(ErrorKind::ModelMissing, "weights have no float tensor " + name);
  return it->second;
}

const Tensor& WeightMap::get(const std::string& name, const std::vector<int>& shape) const {
  const Tensor& t = get(name);
  if (t.shape != shape) throw Error(ErrorKind::ModelMissing, "weights tensor " + name + " has an unexpected shape");
  return t;
}

}  // namespace beetroot
