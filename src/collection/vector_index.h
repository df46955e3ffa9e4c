#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "collection/huge_page_allocator.h"
#include "inference/descriptor.h"

namespace hnswlib {
template <typename T>
class HierarchicalNSW;
}  // namespace hnswlib

namespace beetroot {

struct VectorIndexOptions {
  // Below this many vectors every search scans them all (exact, and fast enough); from it on,
  // an HNSW graph answers (bench/vector_index_bench measures both).
  size_t approximate_from = 20000;
  // Graph links per vector (twice as many on the bottom layer). 32 rather than 16: the same recall
  // in less search time on face-like descriptors, for 1.5x the build time and +120 bytes per face
  // (bench/results/2026-12-04-vector-index.md).
  size_t hnsw_m = 32;
  size_t hnsw_ef_construction = 100;
  // Candidates a search keeps; more is slower and finds more. 768: the nearest face 99 % of the
  // time at 10M faces within a p99 of 5 ms (docs/performance.md, "The vector index").
  size_t hnsw_ef_search = 768;
};

class QuantizedSpace;

// A face's code for the graph search, in two whole cache lines of its own: inside hnswlib's
// 396-byte element it straddles three.
struct alignas(64) GraphCode {
  std::array<uint8_t, 128> bytes;
};

// 128-D descriptors by slot number, searched by Euclidean distance. A removed slot may be filled
// again. Not thread-safe for writes; concurrent searches are fine.
// From `approximate_from` vectors on, an HNSW graph of 8-bit codes of the vectors finds candidates
// and their exact distances rank them: a code is a quarter of a vector's bytes, and a search
// through millions of faces waits on memory, not arithmetic.
class VectorIndex {
 public:
  static constexpr size_t kDimensions = std::tuple_size_v<Descriptor>;
  using Hit = std::pair<float, uint32_t>;  // distance, slot

  explicit VectorIndex(VectorIndexOptions options = {});
  ~VectorIndex();
  VectorIndex(VectorIndex&&) noexcept;
  VectorIndex& operator=(VectorIndex&&) noexcept;

  void add(uint32_t slot, const float* vector);
  // Adds vectors[i * 128 ...] at slots[i], building the graph on `threads` threads once there are
  // enough of them: loading a large collection, or a benchmark.
  void add_many(const std::vector<uint32_t>& slots, const float* vectors, size_t threads);
  void remove(uint32_t slot);
  const float* vector(uint32_t slot) const;
  size_t size() const { return live_; }
  // The graph's ef_search from now on (no effect on an exact index).
  void set_search_breadth(size_t ef);
  bool approximate() const { return static_cast<bool>(graph_); }

  // The live slots within `max_distance`, nearest first.
  // `least_breadth`: the graph search's ef (0: hnsw_ef_search), for callers that can miss a far one.
  std::vector<Hit> within(const float* probe, float max_distance, size_t least_breadth = 0) const;
  // The `k` nearest live slots, nearest first.
  std::vector<Hit> nearest(const float* probe, size_t k) const;

  void save(const std::filesystem::path& file) const;
  // Throws if the file is missing, of another format or cut short.
  static VectorIndex load(const std::filesystem::path& file, VectorIndexOptions options = {});

 private:
  void store(uint32_t slot, const float* vector);
  void build_graph(size_t threads);
  void insert_in_parallel(const std::vector<uint32_t>& slots, size_t threads);
  std::vector<Hit> scan(const float* probe, float max_squared, size_t k) const;
  // The live slots a graph search of breadth `ef` finds, nearest by code first.
  std::vector<uint32_t> graph_candidates(const float* probe, size_t ef) const;
  // The first k candidates ranked by exact distance, nearest first.
  std::vector<Hit> ranked(const float* probe, const std::vector<uint32_t>& candidates, size_t k) const;
  // The graph's codes of these elements into codes_, which grows to the graph's size.
  void copy_codes(const std::vector<uint32_t>& elements);

  VectorIndexOptions options_;
  size_t live_ = 0;
  std::vector<float, HugePageAllocator<float>> vectors_;  // slot * 128 floats
  std::vector<uint8_t, HugePageAllocator<uint8_t>> alive_;  // 1 for a live slot
  std::unique_ptr<QuantizedSpace> space_;
  std::vector<GraphCode, HugePageAllocator<GraphCode>> codes_;  // by graph element, for searches
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph_;
};

}  // namespace beetroot
