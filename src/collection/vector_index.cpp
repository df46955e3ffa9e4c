#include "collection/vector_index.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <future>
#include <thread>

#include "base/error.h"
#include "collection/binary_values.h"
#include "collection/graph.h"
#include "collection/graph_file.h"
#include "collection/graph_links.h"
#include "collection/graph_search.h"
#include "collection/quantized_space.h"

namespace beetroot {

constexpr size_t kD = VectorIndex::kDimensions;
static_assert(sizeof(GraphCode) == kD, "a graph code is a whole number of cache lines of one byte per dimension");

namespace {

constexpr char kIndexMagic[8] = {'B', 'T', 'V', 'E', 'C', 'I', 'X', '2'};
// Candidates the graph returns for ranking by exact distance. A code distance differs from the
// exact one by about a step per dimension, far less than faces of one person differ, so the exact
// nearest faces are among the first few candidates.
constexpr size_t kCandidates = 32;

// The k nearest of hits holding squared distances, nearest first, with their distances.
std::vector<VectorIndex::Hit> nearest_first(std::vector<VectorIndex::Hit> hits, size_t k) {
  const size_t keep = std::min(k, hits.size());
  std::partial_sort(hits.begin(), hits.begin() + static_cast<ptrdiff_t>(keep), hits.end());
  hits.resize(keep);
  for (auto& h : hits) h.first = std::sqrt(h.first);
  return hits;
}

}  // namespace

VectorIndex::VectorIndex(VectorIndexOptions options) : options_(options) {}
VectorIndex::~VectorIndex() = default;
VectorIndex::VectorIndex(VectorIndex&&) noexcept = default;
VectorIndex& VectorIndex::operator=(VectorIndex&&) noexcept = default;

void VectorIndex::store(uint32_t slot, const float* vector) {
  if (slot >= alive_.size()) {
    alive_.resize(slot + 1, 0);
    vectors_.resize(alive_.size() * kD);
  }
  std::copy_n(vector, kD, vectors_.begin() + static_cast<ptrdiff_t>(slot * kD));
  live_ += !alive_[slot];
  alive_[slot] = 1;
}

void VectorIndex::add(uint32_t slot, const float* vector) {
  store(slot, vector);
  if (graph_) {
    grow(*graph_, slot + 1);
    graph_->addPoint(space_->encode(vector).data(), slot);
    const auto element = graph_->label_lookup_.at(slot);
    copy_codes({element});
    if (const auto links = links_in_fresh(*graph_, element); links < wanted_links_in(*graph_))
      link_from_nearest(*graph_, element, links, neighbourhood(*graph_, codes_.data(), element));
  } else if (live_ >= options_.approximate_from) {
    build_graph(std::thread::hardware_concurrency());
  }
}

void VectorIndex::add_many(const std::vector<uint32_t>& slots, const float* vectors, size_t threads) {
  for (size_t i = 0; i < slots.size(); ++i) store(slots[i], vectors + i * kD);
  if (!graph_) {
    if (live_ >= options_.approximate_from) build_graph(threads);
    return;
  }
  grow(*graph_, alive_.size());
  insert_in_parallel(slots, threads);
  std::vector<hnswlib::tableint> inserted;
  for (const auto slot : slots) inserted.push_back(graph_->label_lookup_.at(slot));
  copy_codes(inserted);
  link_weakly_reached(*graph_, codes_.data(), inserted, threads);
}

// hnswlib's insertions are safe from several threads at once (per-element locks).
void VectorIndex::insert_in_parallel(const std::vector<uint32_t>& slots, size_t threads) {
  std::atomic<size_t> next{0};
  auto insert = [&] {
    for (size_t i; (i = next++) < slots.size();)
      graph_->addPoint(space_->encode(&vectors_[slots[i] * kD]).data(), slots[i]);
  };
  std::vector<std::thread> workers;
  for (size_t t = 1; t < std::max<size_t>(threads, 1); ++t) workers.emplace_back(insert);
  insert();
  for (auto& w : workers) w.join();
}

void VectorIndex::build_graph(size_t threads) {
  space_ = QuantizedSpace::fitted_to(vectors_.data(), alive_.data(), alive_.size());
  check_graph_holds(alive_.size());
  graph_ = std::make_unique<Graph>(space_.get(), std::clamp<size_t>(alive_.size() * 2, 1024, kMaxGraphElements), options_.hnsw_m,
                                   options_.hnsw_ef_construction);
  prefer_huge_pages(*graph_);
  graph_->setEf(options_.hnsw_ef_search);
  std::vector<uint32_t> live;
  for (uint32_t slot = 0; slot < alive_.size(); ++slot)
    if (alive_[slot]) live.push_back(slot);
  insert_in_parallel(live, threads);
  const auto all = every_element(*graph_);
  copy_codes(all);
  link_weakly_reached(*graph_, codes_.data(), all, threads);
}

void VectorIndex::copy_codes(const std::vector<uint32_t>& elements) {
  codes_.resize(graph_->cur_element_count);
  for (const auto element : elements) std::memcpy(codes_[element].bytes.data(), graph_->getDataByInternalId(element), kD);
}

void VectorIndex::set_search_breadth(size_t ef) {
  options_.hnsw_ef_search = ef;
  if (graph_) graph_->setEf(ef);
}

void VectorIndex::remove(uint32_t slot) {
  if (slot >= alive_.size() || !alive_[slot]) return;
  alive_[slot] = 0;
  --live_;
  if (graph_) graph_->markDelete(slot);
}

const float* VectorIndex::vector(uint32_t slot) const { return &vectors_.at(slot * kD); }

std::vector<VectorIndex::Hit> VectorIndex::scan(const float* probe, float max_squared, size_t k) const {
  std::vector<Hit> hits;
  for (uint32_t slot = 0; slot < alive_.size(); ++slot) {
    if (!alive_[slot]) continue;
    const float d = squared_distance(probe, &vectors_[slot * kD]);
    if (d <= max_squared) hits.push_back({d, slot});
  }
  return nearest_first(std::move(hits), k);
}

std::vector<uint32_t> VectorIndex::graph_candidates(const float* probe, size_t ef) const {
  const auto code = space_->encode(probe);
  const auto found = GraphSearch(*graph_, codes_.data(), code.data()).nearest(ef);
  std::vector<uint32_t> slots;
  slots.reserve(found.size());
  for (const auto& candidate : found) slots.push_back(static_cast<uint32_t>(graph_->getExternalLabel(candidate.second)));
  return slots;
}

std::vector<VectorIndex::Hit> VectorIndex::ranked(const float* probe, const std::vector<uint32_t>& candidates, size_t k) const {
  std::vector<Hit> hits;
  hits.reserve(std::min(candidates.size(), k));
  for (size_t i = 0; i < std::min(candidates.size(), k); ++i)
    hits.push_back({squared_distance(probe, &vectors_[candidates[i] * kD]), candidates[i]});
  return nearest_first(std::move(hits), k);
}

std::vector<VectorIndex::Hit> VectorIndex::nearest(const float* probe, size_t k) const {
  if (!graph_) return scan(probe, INFINITY, k);
  const size_t wanted = std::max(k, kCandidates);
  auto hits = ranked(probe, graph_candidates(probe, std::max(wanted, options_.hnsw_ef_search)), wanted);
  hits.resize(std::min(hits.size(), k));
  return hits;
}

std::vector<VectorIndex::Hit> VectorIndex::within(const float* probe, float max_distance, size_t least_breadth) const {
  if (!graph_) return scan(probe, max_distance * max_distance, SIZE_MAX);
  // The graph answers k-nearest queries: widen k until the farthest answer lies outside the radius.
  // A search keeps ef_search candidates however few are asked for, so a k within them ranks more
  // of the same candidates instead of searching again.
  std::vector<uint32_t> candidates;
  size_t breadth = 0;  // of the search the candidates come from
  for (size_t k = kCandidates;; k *= 4) {
    if (k > breadth) {
      breadth = std::max(k, least_breadth ? least_breadth : options_.hnsw_ef_search);
      candidates = graph_candidates(probe, breadth);
    }
    auto hits = ranked(probe, candidates, k);
    if (hits.size() < k || hits.back().first > max_distance) {
      hits.erase(std::find_if(hits.begin(), hits.end(), [&](const Hit& h) { return h.first > max_distance; }), hits.end());
      return hits;
    }
  }
}

void VectorIndex::save(const std::filesystem::path& file) const {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(kIndexMagic, sizeof kIndexMagic);
  write_value<uint8_t>(out, graph_ ? 1 : 0);
  write_value<uint64_t>(out, live_);
  write_value<uint64_t>(out, alive_.size());
  if (graph_) space_->write(out);
  out.write(reinterpret_cast<const char*>(alive_.data()), static_cast<std::streamsize>(alive_.size()));
  out.write(reinterpret_cast<const char*>(vectors_.data()), static_cast<std::streamsize>(vectors_.size() * sizeof(float)));
  out.close();
  if (graph_) graph_->saveIndex(file.string() + ".hnsw");
  if (!out) throw Error(ErrorKind::Internal, "cannot write the vector index to " + file.string());
}

VectorIndex VectorIndex::load(const std::filesystem::path& file, VectorIndexOptions options) {
  std::ifstream in(file, std::ios::binary);
  char magic[sizeof kIndexMagic] = {};
  in.read(magic, sizeof magic);
  if (in && std::equal(magic, magic + 7, kIndexMagic) && magic[7] != kIndexMagic[7])
    throw Error(ErrorKind::Internal, "the vector index at " + file.string() + " is of another beetroot version");
  if (!in || !std::equal(magic, magic + sizeof magic, kIndexMagic))
    throw Error(ErrorKind::Internal, "no vector index at " + file.string());
  const auto corrupt = [&file] { return Error(ErrorKind::Internal, "the vector index at " + file.string() + " is cut short or corrupt"); };
  VectorIndex index(options);
  const bool approximate = read_value<uint8_t>(in) != 0;
  index.live_ = read_value<uint64_t>(in);
  const auto slots = read_value<uint64_t>(in);
  // Before allocating for them: a damaged count must not ask for terabytes.
  if (!in || slots > std::filesystem::file_size(file) / (1 + kD * sizeof(float))) throw corrupt();
  const std::string graph_file = file.string() + ".hnsw";
  std::future<std::unique_ptr<Graph>> graph;
  if (approximate) {
    index.space_ = QuantizedSpace::read(in);
    if (!in) throw corrupt();
    if (!std::filesystem::exists(graph_file)) throw Error(ErrorKind::Internal, "the vector index lacks " + graph_file);
    // On a second core: the graph and the vectors are gigabytes each at 10M faces.
    graph = std::async(std::launch::async, [&] { return read_graph(graph_file, *index.space_); });
  }
  index.alive_.resize(slots);
  index.vectors_.resize(slots * kD);
  in.read(reinterpret_cast<char*>(index.alive_.data()), static_cast<std::streamsize>(slots));
  in.read(reinterpret_cast<char*>(index.vectors_.data()), static_cast<std::streamsize>(index.vectors_.size() * sizeof(float)));
  const bool complete = in && static_cast<size_t>(std::count(index.alive_.begin(), index.alive_.end(), 1)) == index.live_;
  if (approximate) index.graph_ = graph.get();
  if (!complete) throw corrupt();
  if (!approximate) return index;
  index.graph_->setEf(options.hnsw_ef_search);
  // The graph holds the live slots, each once (read_graph's label map has one entry per label):
  // its answers are ranked by their vectors.
  const Graph& g = *index.graph_;
  bool agree = g.label_lookup_.size() == g.cur_element_count && g.cur_element_count - g.num_deleted_ == index.live_;
  for (hnswlib::tableint i = 0; agree && i < g.cur_element_count; ++i) {
    const auto slot = g.getExternalLabel(i);
    agree = slot < slots && index.alive_[slot] == !g.isMarkedDeleted(i);
  }
  if (!agree) throw Error(ErrorKind::Internal, "the vector index at " + file.string() + " does not match its graph");
  index.copy_codes(every_element(g));
  return index;
}

}  // namespace beetroot
