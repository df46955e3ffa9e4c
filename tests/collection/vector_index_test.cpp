// The vector index in both of its modes (exact scan, HNSW graph).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <random>
#include <thread>

#include "base/error.h"
#include "collection/collections.h"
#include "collection/face_collection.h"
#include "collection/periodic_snapshots.h"
#include "collection/vector_index.h"
#include "synthetic_descriptors.h"
#include "storage/sql/sql_face_store.h"

namespace beetroot {
namespace {

namespace fs = std::filesystem;

using test::graph_from;
using test::random_vectors;

TEST(VectorIndex, TheGraphFindsWhatAnExactScanFinds) {
  constexpr size_t kN = 3000;
  std::mt19937 rng(1);
  const auto vectors = random_vectors(kN, rng), probes = random_vectors(50, rng);
  VectorIndex exact(graph_from(SIZE_MAX)), graph(graph_from(1000));
  for (uint32_t i = 0; i < kN; ++i) {
    exact.add(i, &vectors[i * 128]);
    graph.add(i, &vectors[i * 128]);
  }
  EXPECT_FALSE(exact.approximate());
  EXPECT_TRUE(graph.approximate());
  EXPECT_EQ(graph.size(), kN);
  size_t same = 0;
  for (size_t q = 0; q < 50; ++q) {
    const auto e = exact.nearest(&probes[q * 128], 5), g = graph.nearest(&probes[q * 128], 5);
    ASSERT_EQ(g.size(), 5u);
    EXPECT_TRUE(std::is_sorted(g.begin(), g.end()));
    same += e[0].second == g[0].second;
    // The graph's candidates are ranked by their exact distance, not by their 8-bit codes'.
    for (const auto& [d, slot] : g)
      EXPECT_FLOAT_EQ(d, std::sqrt(squared_distance(&probes[q * 128], graph.vector(slot))));
    // Everything within a radius, nearest first: the graph widens its search until it has all.
    const float radius = e[4].first;
    const auto within = graph.within(&probes[q * 128], radius);
    EXPECT_GE(within.size(), 4u);
    for (const auto& [d, slot] : within) EXPECT_LE(d, radius);
  }
  EXPECT_GE(same, 49u);
  EXPECT_FLOAT_EQ(graph.vector(17)[3], vectors[17 * 128 + 3]);
}

// Codes are fitted to the faces the graph starts from; a face far outside them clamps, and is still
// found at its exact distance.
TEST(VectorIndex, TheGraphFindsFacesOutsideTheRangeItWasFittedTo) {
  std::mt19937 rng(4);
  const auto vectors = random_vectors(1500, rng);
  VectorIndex graph(graph_from(1000));
  for (uint32_t i = 0; i < 1500; ++i) graph.add(i, &vectors[i * 128]);
  std::vector<float> outlier(128, 3.0f), near_it(128, 3.0f);
  near_it[0] = 2.9f;
  graph.add(1500, outlier.data());
  const auto hits = graph.nearest(near_it.data(), 1);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].second, 1500u);
  EXPECT_NEAR(hits[0].first, 0.1f, 1e-5f);
}

// Each search keeps what it has seen in its thread's own set and leaves it empty: searches on
// several threads at once, and one after another on a thread, answer as each would alone.
TEST(VectorIndex, SearchesAtOnceOnSeveralThreadsAnswerAsOneAtATime) {
  constexpr size_t kProbes = 200;
  std::mt19937 rng(3);
  const auto vectors = random_vectors(3000, rng), probes = random_vectors(kProbes, rng);
  VectorIndex graph(graph_from(1000));
  for (uint32_t i = 0; i < 3000; ++i) graph.add(i, &vectors[i * 128]);
  std::vector<std::vector<VectorIndex::Hit>> alone(kProbes), together(kProbes);
  for (size_t q = 0; q < kProbes; ++q) alone[q] = graph.nearest(&probes[q * 128], 10);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (size_t q = t; q < kProbes; q += 4) together[q] = graph.nearest(&probes[q * 128], 10);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(together, alone);
  EXPECT_EQ(graph.nearest(&probes[0], 10), alone[0]);
}

TEST(VectorIndex, RemovedSlotsAreNeverFoundAndCanBeFilledAgain) {
  std::mt19937 rng(2);
  const auto vectors = random_vectors(1200, rng);
  for (const size_t from : {size_t{SIZE_MAX}, size_t{500}}) {
    VectorIndex index(graph_from(from));
    for (uint32_t i = 0; i < 1000; ++i) index.add(i, &vectors[i * 128]);
    index.remove(7);
    index.remove(7);  // twice is once
    EXPECT_EQ(index.size(), 999u);
    for (const auto& [d, slot] : index.nearest(&vectors[7 * 128], 10)) EXPECT_NE(slot, 7u);
    index.add(7, &vectors[1100 * 128]);  // the slot holds another face now
    EXPECT_EQ(index.size(), 1000u);
    EXPECT_EQ(index.nearest(&vectors[1100 * 128], 1).at(0).second, 7u);
    index.add(7, &vectors[1101 * 128]);  // replaced, not added
    EXPECT_EQ(index.size(), 1000u);
  }
}

// Removed faces still lead a search to their neighbours but never take a place among the answers.
// People stand ever farther from a probe, 50 faces each; with the 20 nearest people's faces
// removed, the graph answers with the 21st person's faces, as an exact scan of what is left does.
TEST(VectorIndex, TheGraphAnswersWithLiveFacesWhenTheNearestWereRemoved) {
  constexpr size_t kPeople = 60, kFacesEach = 50, kRemovedPeople = 20;
  std::mt19937 rng(5);
  std::normal_distribution<float> spread(0, 0.01f);
  std::vector<float> vectors(kPeople * kFacesEach * 128), probe(128, 0.0f);
  for (size_t i = 0; i < kPeople * kFacesEach; ++i)
    for (size_t k = 0; k < 128; ++k) vectors[i * 128 + k] = 0.3f * static_cast<float>(i / kFacesEach) / std::sqrt(128.0f) + spread(rng);
  VectorIndex exact(graph_from(SIZE_MAX)), graph(graph_from(1000));
  for (uint32_t i = 0; i < kPeople * kFacesEach; ++i) {
    exact.add(i, &vectors[i * 128]);
    graph.add(i, &vectors[i * 128]);
  }
  for (uint32_t i = 0; i < kRemovedPeople * kFacesEach; ++i) {
    exact.remove(i);
    graph.remove(i);
  }
  const auto e = exact.nearest(probe.data(), kFacesEach), g = graph.nearest(probe.data(), kFacesEach);
  for (const auto& [d, slot] : e) ASSERT_EQ(slot / kFacesEach, kRemovedPeople);
  EXPECT_EQ(g, e);
  EXPECT_EQ(graph.within(probe.data(), e.back().first), e);
}

// Someone with hundreds of faces: everything within the radius comes back, as from an exact scan,
// however many times the graph has to widen its search (32 answers, 128, 512, 2048). With a face at
// the crowd's very centre, hnswlib's heuristic links every other face only to it, whose list cannot
// hold them all: without the links added to faces few links lead to, ~200 of the 600 were found.
TEST(VectorIndex, WithinReturnsEveryFaceInTheRadiusOfAPersonWithHundreds) {
  constexpr size_t kOthers = 1500, kTheirs = 600;
  for (const bool face_at_centre : {false, true})
    for (const float spread_each : {0.005f, 0.02f}) {
      std::mt19937 rng(6);
      auto vectors = random_vectors(kOthers + kTheirs, rng);
      const auto centre = random_vectors(1, rng);
      std::normal_distribution<float> spread(0, spread_each);
      for (size_t i = kOthers; i < kOthers + kTheirs; ++i)
        for (size_t k = 0; k < 128; ++k) vectors[i * 128 + k] = centre[k] + spread(rng);
      if (face_at_centre) std::copy(centre.begin(), centre.end(), vectors.begin() + kOthers * 128);
      VectorIndex exact(graph_from(SIZE_MAX)), graph(graph_from(1000));
      for (uint32_t i = 0; i < kOthers + kTheirs; ++i) {
        exact.add(i, &vectors[i * 128]);
        graph.add(i, &vectors[i * 128]);
      }
      const float radius = 20 * spread_each;  // theirs lie ~11 spreads from the centre, anyone else's ~1.1
      const auto e = exact.within(centre.data(), radius);
      ASSERT_EQ(e.size(), kTheirs);
      EXPECT_EQ(graph.within(centre.data(), radius), e) << "spread " << spread_each << ", face at the centre " << face_at_centre;
    }
}

TEST(VectorIndex, SavedAndLoadedItAnswersTheSameAndRefusesDamage) {
  const fs::path dir = fs::temp_directory_path() / ("beetroot-vector-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::mt19937 rng(3);
  const auto vectors = random_vectors(2000, rng);
  for (const size_t from : {size_t{SIZE_MAX}, size_t{1000}}) {
    VectorIndex index(graph_from(from));
    for (uint32_t i = 0; i < 2000; ++i) index.add(i, &vectors[i * 128]);
    index.remove(5);
    index.save(dir / "index");
    auto loaded = VectorIndex::load(dir / "index", graph_from(from));
    EXPECT_EQ(loaded.size(), 1999u);
    EXPECT_EQ(loaded.approximate(), index.approximate());
    for (uint32_t q = 0; q < 20; ++q) EXPECT_EQ(loaded.nearest(&vectors[q * 128], 3), index.nearest(&vectors[q * 128], 3));
    for (const auto& [d, slot] : loaded.nearest(&vectors[5 * 128], 10)) EXPECT_NE(slot, 5u);
    // A loaded index grows past what it was saved with.
    const auto more = random_vectors(300, rng);
    for (uint32_t i = 0; i < 300; ++i) loaded.add(2000 + i, &more[i * 128]);
    EXPECT_EQ(loaded.size(), 2299u);
    EXPECT_EQ(loaded.nearest(&more[299 * 128], 1).at(0).second, 2299u);
    if (index.approximate()) {
      // The first element's first link (after hnswlib's 96-byte header and its link count), sent far away.
      std::fstream graph(dir / "index.hnsw", std::ios::in | std::ios::out | std::ios::binary);
      graph.seekp(96 + 4);
      const uint32_t outside = 1u << 30;
      graph.write(reinterpret_cast<const char*>(&outside), sizeof outside);
      graph.close();
      EXPECT_THROW(VectorIndex::load(dir / "index", graph_from(from)), Error);
    }
    const fs::path damaged = dir / (index.approximate() ? "index.hnsw" : "index");
    fs::resize_file(damaged, fs::file_size(damaged) - 3);
    EXPECT_THROW(VectorIndex::load(dir / "index", graph_from(from)), Error);
    fs::resize_file(damaged, 40);
    EXPECT_THROW(VectorIndex::load(dir / "index", graph_from(from)), Error);
  }
  EXPECT_THROW(VectorIndex::load(dir / "missing"), Error);
  // An index an earlier version wrote is refused by name, and its collection reads every face instead.
  std::ofstream(dir / "earlier") << "BTVECIX1";
  try {
    VectorIndex::load(dir / "earlier");
    ADD_FAILURE() << "an earlier version's index loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("another beetroot version"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace beetroot
