#pragma once
// Searching the vector index's graph by 8-bit code: beetroot's own beam search over hnswlib's
// graph, in place of hnswlib's searchKnn.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "collection/graph.h"
#include "collection/vector_index.h"

namespace beetroot {

using Candidate = std::pair<float, hnswlib::tableint>;  // code distance, element

// The elements a search has seen, a bit each, in its thread's own set that every search leaves
// empty again. At 10M faces hnswlib's visited list (2 bytes an element, twice as many elements as
// faces) is 40 MB, and nearly every check of it missed the caches; this is 2.5 MB. The set and its
// list of what to clear stay with the thread, so a search allocates neither.
class SeenSet {
 public:
  explicit SeenSet(size_t elements) : state_(thread_state()) {
    if (state_.bits.size() * 64 < elements) state_.bits.resize((elements + 63) / 64);
  }
  ~SeenSet() {
    for (const auto element : state_.seen) state_.bits[element / 64] = 0;
    state_.seen.clear();
  }
  SeenSet(const SeenSet&) = delete;
  SeenSet& operator=(const SeenSet&) = delete;

  void prefetch(hnswlib::tableint element) const { __builtin_prefetch(&state_.bits[element / 64]); }
  // False if it was seen already.
  bool insert(hnswlib::tableint element) {
    const uint64_t bit = uint64_t{1} << (element % 64);
    if (state_.bits[element / 64] & bit) return false;
    state_.bits[element / 64] |= bit;
    state_.seen.push_back(element);
    return true;
  }

 private:
  struct State {
    std::vector<uint64_t> bits;
    std::vector<hnswlib::tableint> seen;
  };
  static State& thread_state() {
    thread_local State state;
    return state;
  }
  State& state_;
};

// The candidates of a search: the ef nearest live elements seen so far, nearest first, and among
// them the deleted ones nearer than the farthest (a deleted element still leads to its
// neighbours). A sorted array rather than hnswlib's two priority queues: one binary search and
// one move per insertion, and the nearest unexpanded candidate is the first one not marked;
// 1.03-1.16x faster than the queues at 1M faces (docs/performance.md, "The vector index").
class CandidatePool {
 public:
  explicit CandidatePool(size_t ef) : ef_(ef) { entries_.reserve(ef + 1); }

  // Whether a candidate this far would be kept.
  bool admits(float distance) const { return live_ < ef_ || distance < entries_.back().distance; }
  void insert(float distance, hnswlib::tableint element, bool deleted) {
    const auto farther = std::upper_bound(entries_.begin(), entries_.end(), distance,
                                          [](float d, const Entry& e) { return d < e.distance; });
    const auto at = static_cast<size_t>(farther - entries_.begin());
    // Entries are plain data: one memmove, where inserting into a vector of pairs moves them one by one.
    entries_.emplace_back();
    std::memmove(&entries_[at + 1], &entries_[at], (entries_.size() - 1 - at) * sizeof(Entry));
    entries_[at] = {distance, element | (deleted ? kDeleted : 0)};
    next_ = std::min(next_, at);
    live_ += !deleted;
    if (live_ > ef_) {  // the farthest live one goes, with the deleted ones beyond it
      drop_deleted_tail();
      entries_.pop_back();
      --live_;
    }
    if (live_ == ef_) drop_deleted_tail();
  }
  // The nearest candidate not expanded yet, now marked expanded; false when none is left.
  bool next(hnswlib::tableint& element) {
    while (next_ < entries_.size() && (entries_[next_].marked & kExpanded)) ++next_;
    if (next_ == entries_.size()) return false;
    element = entries_[next_].marked & kElement;
    entries_[next_].marked |= kExpanded;
    return true;
  }
  std::vector<Candidate> live() const {
    std::vector<Candidate> live;
    live.reserve(live_);
    for (const auto& [distance, marked] : entries_)
      if (!(marked & kDeleted)) live.emplace_back(distance, marked & kElement);
    return live;
  }

 private:
  static constexpr hnswlib::tableint kExpanded = 1u << 31, kDeleted = 1u << 30, kElement = kDeleted - 1;
  struct Entry {
    float distance;
    hnswlib::tableint marked;  // the element, and whether it is expanded or deleted
  };
  void drop_deleted_tail() {
    while (!entries_.empty() && (entries_.back().marked & kDeleted)) entries_.pop_back();
  }

  size_t ef_, live_ = 0, next_ = 0;
  std::vector<Entry> entries_;
};

// A search of the graph by code, in place of hnswlib's searchKnn. hnswlib asks memory for a
// neighbour's code only one neighbour ahead, so past the caches nearly every distance waits a
// full memory latency: at 10M faces that is most of a search's time. This reads the codes of all
// unvisited neighbours of a node at once, then measures them, so their loads overlap. The codes
// are `codes`, by element, rather than hnswlib's copies inside its elements: two cache lines each
// instead of three.
class GraphSearch {
 public:
  GraphSearch(const Graph& graph, const GraphCode* codes, const void* code)
      : graph_(graph), codes_(codes), code_(code), seen_(graph.max_elements_) {
    fresh_.reserve(std::max(graph.maxM0_, graph.maxM_));
  }

  // The `ef` live elements nearest the code that the bottom layer's beam search reaches from the
  // upper layers' greedy descent, nearest first.
  std::vector<Candidate> nearest(size_t ef) {
    if (graph_.cur_element_count == 0) return {};
    return beam(descend(), std::max<size_t>(ef, 1));
  }
  // The same from `entry` on the bottom layer: the neighbourhood of an element of the graph.
  std::vector<Candidate> around(hnswlib::tableint entry, size_t ef) { return beam(entry, std::max<size_t>(ef, 1)); }

 private:
  float distance_to(hnswlib::tableint element) const {
    return graph_.fstdistfunc_(code_, codes_[element].bytes.data(), graph_.dist_func_param_);
  }
  // Starts reading these elements' codes, every line, so that the reads overlap. Plain loads, not
  // prefetch instructions: prefetching the codes saved nothing measurable here (most likely dropped
  // on TLB misses, which nearly every code causes at 10M faces), while reading them ahead like this
  // made a search at 10M faces 1.8x faster, 2.2x with the codes in an array of their own (docs/performance.md,
  // "The vector index").
  void read_ahead(const hnswlib::tableint* elements, size_t count) const {
    for (size_t i = 0; i < count; ++i) {
      const volatile uint8_t* bytes = codes_[elements[i]].bytes.data();
      for (size_t line = 0; line < sizeof(GraphCode); line += 64) bytes[line];
    }
  }
  static void prefetch(const void* start, size_t bytes) {
    const auto first = reinterpret_cast<uintptr_t>(start) & ~uintptr_t{63};
    for (auto line = first; line < reinterpret_cast<uintptr_t>(start) + bytes; line += 64)
      __builtin_prefetch(reinterpret_cast<const void*>(line));
  }

  // The list's elements not seen yet in this search, marked seen, their codes already on the way.
  const std::vector<hnswlib::tableint>& unseen(hnswlib::linklistsizeint* list) {
    const size_t count = graph_.getListCount(list);
    const auto* ids = links(list);
    for (size_t i = 0; i < count; ++i) seen_.prefetch(ids[i]);
    fresh_.clear();
    for (size_t i = 0; i < count; ++i)
      if (seen_.insert(ids[i])) fresh_.push_back(ids[i]);
    read_ahead(fresh_.data(), fresh_.size());
    return fresh_;
  }

  // Greedily down the upper layers, to the element nearest the code on layer 1.
  hnswlib::tableint descend() {
    hnswlib::tableint at = graph_.enterpoint_node_;
    float nearest = distance_to(at);
    for (int level = graph_.maxlevel_; level > 0; --level)
      for (bool moved = true; moved;) {
        moved = false;
        auto* list = graph_.get_linklist(at, level);
        const auto* ids = links(list);
        const size_t count = graph_.getListCount(list);
        read_ahead(ids, count);
        for (size_t i = 0; i < count; ++i)
          if (const float d = distance_to(ids[i]); d < nearest) nearest = d, at = ids[i], moved = true;
      }
    return at;
  }

  std::vector<Candidate> beam(hnswlib::tableint entry, size_t ef) {
    const bool deletions = graph_.num_deleted_ > 0;
    const auto deleted = [&](hnswlib::tableint element) { return deletions && graph_.isMarkedDeleted(element); };
    CandidatePool pool(ef);
    pool.insert(distance_to(entry), entry, deleted(entry));
    seen_.insert(entry);
    for (hnswlib::tableint node; pool.next(node);) {
      auto* list = graph_.get_linklist0(node);
      prefetch(list, graph_.size_links_level0_);  // all its lines at once, not one after another
      for (const auto neighbour : unseen(list))
        if (const float d = distance_to(neighbour); pool.admits(d)) pool.insert(d, neighbour, deleted(neighbour));
    }
    return pool.live();
  }

  const Graph& graph_;
  const GraphCode* codes_;
  const void* code_;
  SeenSet seen_;
  std::vector<hnswlib::tableint> fresh_;
};

}  // namespace beetroot
