#pragma once
// The vector index's HNSW graph: hnswlib's graph type, and what every part of the index that
// reads or changes the graph needs (quantized_space, graph_search, graph_links, graph_file).
// hnswlib 0.6.2 defines functions in its headers without `inline`, so one translation unit only,
// vector_index.cpp, may include it: these headers are its parts, each with one concern, and
// define what they declare inline.
#ifdef BEETROOT_SANITIZE
// hnswlib 0.6.2's SSE prefetches read one link past the end of a list (fixed upstream in 0.7),
// which AddressSanitizer rightly reports; the sanitised build leaves hnswlib's SIMD code out.
#define NO_MANUAL_VECTORIZATION
#endif
#include <hnswlib/hnswlib.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <vector>

#include "base/error.h"

namespace beetroot {

using Graph = hnswlib::HierarchicalNSW<float>;

// A search marks elements in their ids' top two bits (CandidatePool).
constexpr size_t kMaxGraphElements = size_t{1} << 30;

// The elements a link list holds: hnswlib stores them after the list's count.
inline hnswlib::tableint* links(hnswlib::linklistsizeint* list) { return reinterpret_cast<hnswlib::tableint*>(list + 1); }

// 2 MB pages for the bottom layer, before it is touched. A search or an insertion jumps all over it,
// and with 4 KB pages nearly every jump also misses the TLB, costly in a virtual machine; loading
// faults it in 512x fewer times.
inline void prefer_huge_pages(const Graph& graph) {
  const auto start = reinterpret_cast<uintptr_t>(graph.data_level0_memory_);
  const auto first_page = (start + 4095) & ~uintptr_t{4095};
  const auto end_page = (start + graph.max_elements_ * graph.size_data_per_element_) & ~uintptr_t{4095};
  if (end_page > first_page) madvise(reinterpret_cast<void*>(first_page), end_page - first_page, MADV_HUGEPAGE);
}

// Throws past kMaxGraphElements.
inline void check_graph_holds(size_t elements) {
  if (elements > kMaxGraphElements) throw Error(ErrorKind::Internal, "the vector index holds at most 2^30 faces");
}

// Room for `elements`, doubling at least.
inline void grow(Graph& graph, size_t elements) {
  if (elements <= graph.max_elements_) return;
  check_graph_holds(elements);
  graph.resizeIndex(std::min(std::max(elements, graph.max_elements_ * 2), kMaxGraphElements));
  prefer_huge_pages(graph);
}

// The ids of every element of the graph, deleted or not.
inline std::vector<hnswlib::tableint> every_element(const Graph& graph) {
  std::vector<hnswlib::tableint> all(graph.cur_element_count);
  std::iota(all.begin(), all.end(), hnswlib::tableint{0});
  return all;
}

}  // namespace beetroot
