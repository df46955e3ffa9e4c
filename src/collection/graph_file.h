#pragma once
// The vector index's graph file, as hnswlib's saveIndex writes it, read back faster and checked.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "base/error.h"

#include "collection/binary_values.h"
#include "collection/graph.h"
#include "collection/quantized_space.h"

namespace beetroot {

namespace file_detail {

// Every link list within its layer's size and pointing at an element there is: a damaged file
// must not send a search outside the graph.
inline bool links_stay_inside(const Graph& graph) {
  const auto inside = [&](hnswlib::linklistsizeint* list, size_t max_links) {
    const size_t count = graph.getListCount(list);
    if (count > max_links) return false;
    const auto* ids = links(list);
    return std::all_of(ids, ids + count, [&](hnswlib::tableint id) { return id < graph.cur_element_count; });
  };
  for (hnswlib::tableint i = 0; i < graph.cur_element_count; ++i) {
    if (graph.element_levels_[i] > graph.maxlevel_ || !inside(graph.get_linklist0(i), graph.maxM0_)) return false;
    for (int level = 1; level <= graph.element_levels_[i]; ++level)
      if (!inside(graph.get_linklist(i, level), graph.maxM_)) return false;
  }
  return true;
}

}  // namespace file_detail

// Reads a graph that hnswlib's saveIndex wrote. hnswlib 0.6.2's loadIndex walks the file with two
// seeks per element, then grows its label map one insert at a time: 2.1 s at 300k faces, against
// 0.6 s for this, which reads the same format in three reads and checks every length and link.
// Throws if the file is cut short or corrupt.
inline std::unique_ptr<Graph> read_graph(const std::string& file, QuantizedSpace& space) {
  const auto fail = [&file] { return Error(ErrorKind::Internal, "the vector index graph " + file + " is cut short or corrupt"); };
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  const auto total = static_cast<size_t>(in.tellg());
  in.seekg(0);
  struct {
    size_t level0_offset, max_elements, count, element_bytes, label_offset, data_offset;
    int max_level;
    hnswlib::tableint entry_point;
    size_t max_m, max_m0, m;
    double level_factor;
    size_t ef_construction;
  } header;
  // saveIndex writes these fields one by one, unpadded.
  for (auto* field : {&header.level0_offset, &header.max_elements, &header.count, &header.element_bytes,
                      &header.label_offset, &header.data_offset})
    *field = read_value<size_t>(in);
  header.max_level = read_value<int>(in);
  header.entry_point = read_value<hnswlib::tableint>(in);
  for (auto* field : {&header.max_m, &header.max_m0, &header.m}) *field = read_value<size_t>(in);
  header.level_factor = read_value<double>(in);
  header.ef_construction = read_value<size_t>(in);
  if (!in || header.m == 0 || header.m > 10000 || header.max_m != header.m || header.level0_offset != 0 ||
      header.count > kMaxGraphElements ||
      (header.count > 0 && (header.entry_point >= header.count || header.max_level < 0)))
    throw fail();

  // Room for the elements there are: the first insertion after loading doubles it.
  auto graph = std::make_unique<Graph>(&space, std::max<size_t>(header.count, 1), header.m, header.ef_construction);
  if (header.element_bytes != graph->size_data_per_element_ || header.label_offset != graph->label_offset_ ||
      header.data_offset != graph->offsetData_ || header.max_m0 != graph->maxM0_ ||
      header.count > (total - static_cast<size_t>(in.tellg())) / header.element_bytes)
    throw fail();
  prefer_huge_pages(*graph);
  in.read(graph->data_level0_memory_, static_cast<std::streamsize>(header.count * header.element_bytes));
  std::vector<char> upper(total - std::min(total, static_cast<size_t>(in.tellg())));
  in.read(upper.data(), static_cast<std::streamsize>(upper.size()));
  if (!in) throw fail();

  graph->maxlevel_ = header.max_level;
  graph->enterpoint_node_ = header.entry_point;
  graph->mult_ = header.level_factor;
  graph->revSize_ = 1.0 / header.level_factor;
  graph->label_lookup_.reserve(header.count);
  // The upper layers: per element a byte count, then its links. Elements are counted in as their
  // lists are allocated, so a graph a damaged file leaves half-read frees what it holds.
  size_t at = 0;
  for (hnswlib::tableint i = 0; i < header.count; ++i) {
    uint32_t length = 0;
    if (upper.size() - at < sizeof length) throw fail();
    std::memcpy(&length, &upper[at], sizeof length);
    at += sizeof length;
    if (length > upper.size() - at || length % graph->size_links_per_element_ != 0) throw fail();
    graph->label_lookup_.emplace(graph->getExternalLabel(i), i);
    graph->num_deleted_ += graph->isMarkedDeleted(i);
    graph->element_levels_[i] = static_cast<int>(length / graph->size_links_per_element_);
    if (length > 0) {
      graph->linkLists_[i] = static_cast<char*>(std::malloc(length));
      std::memcpy(graph->linkLists_[i], &upper[at], length);
      at += length;
    }
    graph->cur_element_count = i + 1;
  }
  if (at != upper.size()) throw fail();
  if (!file_detail::links_stay_inside(*graph)) throw fail();
  return graph;
}

}  // namespace beetroot
