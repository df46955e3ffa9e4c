#include "collection/vector_index.h"

#ifdef BEETROOT_SANITIZE
// hnswlib 0.6.2's SSE prefetches read one link past the end of a list (fixed upstream in 0.7),
// which AddressSanitizer rightly reports; the sanitised build leaves hnswlib's SIMD code out.
#define NO_MANUAL_VECTORIZATION
#endif
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <cmath>
#include <fstream>

#include "inference/error.h"

namespace beetroot {
namespace {

constexpr char kMagic[8] = {'B', 'T', 'V', 'E', 'C', 'I', 'X', '1'};

template <typename T>
void write_value(std::ostream& out, const T& value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof value);
}
template <typename T>
T read_value(std::istream& in) {
  T value{};
  in.read(reinterpret_cast<char*>(&value), sizeof value);
  return value;
}

}  // namespace

float squared_distance(const float* a, const float* b) {
  float sum = 0;
  // Lets the compiler vectorise the sum (reordering float additions), 4-8x faster than in order.
#pragma omp simd reduction(+ : sum)
  for (size_t k = 0; k < VectorIndex::kDimensions; ++k) sum += (a[k] - b[k]) * (a[k] - b[k]);
  return sum;
}

VectorIndex::VectorIndex(VectorIndexOptions options) : options_(options) {}
VectorIndex::~VectorIndex() = default;
VectorIndex::VectorIndex(VectorIndex&&) noexcept = default;
VectorIndex& VectorIndex::operator=(VectorIndex&&) noexcept = default;

void VectorIndex::add(uint32_t slot, const float* vector) {
  if (graph_) {
    if (slot >= graph_->max_elements_) graph_->resizeIndex(std::max<size_t>(slot + 1, graph_->max_elements_ * 2));
    const auto found = graph_->label_lookup_.find(slot);
    const bool replacing_live = found != graph_->label_lookup_.end() && !graph_->isMarkedDeleted(found->second);
    graph_->addPoint(vector, slot);
    live_ += !replacing_live;
    return;
  }
  if (slot >= alive_.size()) {
    alive_.resize(slot + 1, 0);
    vectors_.resize(alive_.size() * kDimensions);
  }
  std::copy_n(vector, kDimensions, vectors_.begin() + static_cast<ptrdiff_t>(slot * kDimensions));
  live_ += !alive_[slot];
  alive_[slot] = 1;
  if (live_ >= options_.approximate_from) build_graph();
}

void VectorIndex::add_many(const std::vector<uint32_t>& slots, const float* vectors, size_t threads) {
  if (!graph_ && live_ + slots.size() >= options_.approximate_from) build_graph();
  if (!graph_) {
    for (size_t i = 0; i < slots.size(); ++i) add(slots[i], vectors + i * kDimensions);
    return;
  }
  const uint32_t top = slots.empty() ? 0 : *std::max_element(slots.begin(), slots.end());
  if (top >= graph_->max_elements_) graph_->resizeIndex(std::max<size_t>(top + 1, graph_->max_elements_ * 2));
  size_t replacing = 0;
  for (const uint32_t slot : slots)
    if (const auto found = graph_->label_lookup_.find(slot);
        found != graph_->label_lookup_.end() && !graph_->isMarkedDeleted(found->second))
      ++replacing;
  insert_in_parallel(slots, vectors, threads);
  live_ += slots.size() - replacing;
}

// hnswlib's insertions are safe from several threads at once (per-element locks).
void VectorIndex::insert_in_parallel(const std::vector<uint32_t>& slots, const float* vectors, size_t threads) {
  std::atomic<size_t> next{0};
  auto insert = [&] {
    for (size_t i; (i = next++) < slots.size();) graph_->addPoint(vectors + i * kDimensions, slots[i]);
  };
  std::vector<std::thread> workers;
  for (size_t t = 1; t < std::max<size_t>(threads, 1); ++t) workers.emplace_back(insert);
  insert();
  for (auto& w : workers) w.join();
}

void VectorIndex::build_graph() {
  space_ = std::make_unique<hnswlib::L2Space>(kDimensions);
  graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(space_.get(), std::max<size_t>(alive_.size() * 2, 1024),
                                                              options_.hnsw_m, options_.hnsw_ef_construction);
  graph_->setEf(options_.hnsw_ef_search);
  std::vector<uint32_t> live;
  std::vector<float> packed;
  for (uint32_t slot = 0; slot < alive_.size(); ++slot)
    if (alive_[slot]) {
      live.push_back(slot);
      packed.insert(packed.end(), vectors_.begin() + slot * kDimensions, vectors_.begin() + (slot + 1) * kDimensions);
    }
  insert_in_parallel(live, packed.data(), std::thread::hardware_concurrency());
  // The graph holds its own copy of each vector.
  vectors_ = {};
  alive_ = {};
}

void VectorIndex::set_search_breadth(size_t ef) {
  options_.hnsw_ef_search = ef;
  if (graph_) graph_->setEf(ef);
}

void VectorIndex::remove(uint32_t slot) {
  if (graph_) {
    const auto found = graph_->label_lookup_.find(slot);
    if (found == graph_->label_lookup_.end() || graph_->isMarkedDeleted(found->second)) return;
    graph_->markDelete(slot);
    --live_;
    return;
  }
  if (slot >= alive_.size() || !alive_[slot]) return;
  alive_[slot] = 0;
  --live_;
}

const float* VectorIndex::vector(uint32_t slot) const {
  if (graph_) return reinterpret_cast<const float*>(graph_->getDataByInternalId(graph_->label_lookup_.at(slot)));
  return &vectors_.at(slot * kDimensions);
}

std::vector<VectorIndex::Hit> VectorIndex::scan(const float* probe, float max_squared, size_t k) const {
  std::vector<Hit> hits;
  for (uint32_t slot = 0; slot < alive_.size(); ++slot) {
    if (!alive_[slot]) continue;
    const float d = squared_distance(probe, &vectors_[slot * kDimensions]);
    if (d <= max_squared) hits.push_back({d, slot});
  }
  const size_t keep = std::min(k, hits.size());
  std::partial_sort(hits.begin(), hits.begin() + static_cast<ptrdiff_t>(keep), hits.end());
  hits.resize(keep);
  for (auto& h : hits) h.first = std::sqrt(h.first);
  return hits;
}

std::vector<VectorIndex::Hit> VectorIndex::nearest(const float* probe, size_t k) const {
  if (!graph_) return scan(probe, INFINITY, k);
  auto queue = graph_->searchKnn(probe, std::min(k, live_));
  std::vector<Hit> hits(queue.size());
  for (size_t i = hits.size(); i-- > 0; queue.pop())
    hits[i] = {std::sqrt(queue.top().first), static_cast<uint32_t>(queue.top().second)};
  return hits;
}

std::vector<VectorIndex::Hit> VectorIndex::within(const float* probe, float max_distance) const {
  if (!graph_) return scan(probe, max_distance * max_distance, SIZE_MAX);
  // The graph answers k-nearest queries: widen k until the farthest answer lies outside the radius.
  for (size_t k = 32;; k *= 4) {
    auto hits = nearest(probe, k);
    if (hits.size() < k || hits.back().first > max_distance) {
      hits.erase(std::find_if(hits.begin(), hits.end(), [&](const Hit& h) { return h.first > max_distance; }), hits.end());
      return hits;
    }
  }
}

void VectorIndex::save(const std::filesystem::path& file) const {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(kMagic, sizeof kMagic);
  write_value<uint8_t>(out, graph_ ? 1 : 0);
  write_value<uint64_t>(out, live_);
  if (!graph_) {
    write_value<uint64_t>(out, alive_.size());
    out.write(reinterpret_cast<const char*>(alive_.data()), static_cast<std::streamsize>(alive_.size()));
    out.write(reinterpret_cast<const char*>(vectors_.data()), static_cast<std::streamsize>(vectors_.size() * sizeof(float)));
  }
  out.close();
  if (graph_) graph_->saveIndex(file.string() + ".hnsw");
  if (!out) throw Error(ErrorKind::Internal, "cannot write the vector index to " + file.string());
}

VectorIndex VectorIndex::load(const std::filesystem::path& file, VectorIndexOptions options) {
  std::ifstream in(file, std::ios::binary);
  char magic[sizeof kMagic] = {};
  in.read(magic, sizeof magic);
  if (!in || !std::equal(magic, magic + sizeof magic, kMagic))
    throw Error(ErrorKind::Internal, "no vector index at " + file.string());
  VectorIndex index(options);
  const bool approximate = read_value<uint8_t>(in) != 0;
  index.live_ = read_value<uint64_t>(in);
  if (approximate) {
    index.space_ = std::make_unique<hnswlib::L2Space>(kDimensions);
    const std::string graph_file = file.string() + ".hnsw";
    if (!std::filesystem::exists(graph_file)) throw Error(ErrorKind::Internal, "the vector index lacks " + graph_file);
    // hnswlib 0.6.2's loading constructor counts deleted elements onto an uninitialised counter.
    index.graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(index.space_.get());
    index.graph_->num_deleted_ = 0;
    index.graph_->loadIndex(graph_file, index.space_.get());
    index.graph_->setEf(options.hnsw_ef_search);
    if (index.graph_->cur_element_count - index.graph_->num_deleted_ != index.live_)
      throw Error(ErrorKind::Internal, "the vector index at " + file.string() + " does not match its graph");
    return index;
  }
  const auto slots = read_value<uint64_t>(in);
  if (!in || slots > (uint64_t{1} << 32)) throw Error(ErrorKind::Internal, "the vector index at " + file.string() + " is corrupt");
  index.alive_.resize(slots);
  index.vectors_.resize(slots * kDimensions);
  in.read(reinterpret_cast<char*>(index.alive_.data()), static_cast<std::streamsize>(slots));
  in.read(reinterpret_cast<char*>(index.vectors_.data()), static_cast<std::streamsize>(index.vectors_.size() * sizeof(float)));
  if (!in || static_cast<size_t>(std::count(index.alive_.begin(), index.alive_.end(), 1)) != index.live_)
    throw Error(ErrorKind::Internal, "the vector index at " + file.string() + " is cut short or corrupt");
  return index;
}

}  // namespace beetroot
