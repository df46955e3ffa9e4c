#pragma once
// Links to the faces hnswlib's neighbour heuristic leaves weakly reached.
//
// The heuristic drops a link that a nearer neighbour already covers, and so leaves some faces
// with few links leading to them: at 1M faces a quarter had fewer than 12 of a possible 64, and a
// search rarely reached them (29 of its 48 misses at ef 128). Such a face gets links from the
// nearest faces a search from it finds, while their lists have room, until it has 3/4 M links in:
// at 1M faces, recall@1 at ef 128 went from 0.976 to 0.9925 for 7 % more search time, more than ef
// 256 gave (docs/performance.md, "The vector index").
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "collection/graph.h"
#include "collection/graph_search.h"
#include "collection/vector_index.h"

namespace beetroot {

// The links in a face wants: 3/4 M.
inline size_t wanted_links_in(const Graph& graph) { return graph.maxM_ * 3 / 4; }

namespace links_detail {

// The breadth of the search for a weakly reached face's nearest: 40 from the face itself did as well
// as 100 from the graph's entry (recall at 1M), in half the time.
constexpr size_t kNeighbourhoodBreadth = 40;

// Links in to every element on the bottom layer.
inline std::vector<uint32_t> links_in(const Graph& graph) {
  std::vector<uint32_t> count(graph.cur_element_count);
  for (hnswlib::tableint i = 0; i < graph.cur_element_count; ++i) {
    auto* list = graph.get_linklist0(i);
    const auto* ids = links(list);
    for (size_t k = 0; k < graph.getListCount(list); ++k) ++count[ids[k]];
  }
  return count;
}

}  // namespace links_detail

// Links in to an element just inserted alone: only the neighbours it chose can have linked back.
inline uint32_t links_in_fresh(const Graph& graph, hnswlib::tableint element) {
  auto* list = graph.get_linklist0(element);
  const auto* ids = links(list);
  return static_cast<uint32_t>(std::count_if(ids, ids + graph.getListCount(list), [&](hnswlib::tableint neighbour) {
    auto* theirs = graph.get_linklist0(neighbour);
    return std::count(links(theirs), links(theirs) + graph.getListCount(theirs), element) > 0;
  }));
}

// The live elements nearest `element`, nearest first, as a search from it finds them. Ids alone:
// a build keeps one of these for every weakly reached face until it links them (6.9M at 10M faces).
inline std::vector<hnswlib::tableint> neighbourhood(const Graph& graph, const GraphCode* codes, hnswlib::tableint element) {
  const auto found = GraphSearch(graph, codes, codes[element].bytes.data()).around(element, links_detail::kNeighbourhoodBreadth);
  std::vector<hnswlib::tableint> nearest;
  nearest.reserve(found.size());
  for (const auto& candidate : found) nearest.push_back(candidate.second);
  return nearest;
}

// Links to `element` from its `nearest` with room in their lists, nearest first, until it has the links in it wants.
inline void link_from_nearest(Graph& graph, hnswlib::tableint element, uint32_t links_in, const std::vector<hnswlib::tableint>& nearest) {
  for (auto at = nearest.begin(); at != nearest.end() && links_in < wanted_links_in(graph); ++at) {
    auto* list = graph.get_linklist0(*at);
    auto* ids = links(list);
    const size_t count = graph.getListCount(list);
    if (*at == element || count >= graph.maxM0_ || std::find(ids, ids + count, element) != ids + count) continue;
    ids[count] = element;
    graph.setListCount(list, static_cast<unsigned short>(count + 1));
    ++links_in;
  }
}

// Links to those of `elements` with too few links in: the searches on `threads` threads, then the
// links, one at a time.
inline void link_weakly_reached(Graph& graph, const GraphCode* codes, const std::vector<hnswlib::tableint>& elements, size_t threads) {
  const auto count = links_detail::links_in(graph);
  std::vector<hnswlib::tableint> weak;
  for (const auto element : elements)
    if (count[element] < wanted_links_in(graph) && !graph.isMarkedDeleted(element)) weak.push_back(element);
  std::vector<std::vector<hnswlib::tableint>> nearest(weak.size());
  std::atomic<size_t> next{0};
  auto search = [&] {
    for (size_t i; (i = next++) < weak.size();) nearest[i] = neighbourhood(graph, codes, weak[i]);
  };
  std::vector<std::thread> workers;
  for (size_t t = 1; t < std::max<size_t>(threads, 1); ++t) workers.emplace_back(search);
  search();
  for (auto& w : workers) w.join();
  for (size_t i = 0; i < weak.size(); ++i) link_from_nearest(graph, weak[i], count[weak[i]], nearest[i]);
}

}  // namespace beetroot
