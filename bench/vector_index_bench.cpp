// The face collection's vector index at scale: SearchFaces latency (p50/p99) and recall@1 of the
// HNSW graph against exact search in the same run, memory per face, build, save and load times.
// Descriptors are synthetic but shaped like real ones (see synthesize).
// Usage: [BENCH_KEEP_GRAPH=1] vector_index_bench FACES [QUERIES] [SAVE_DIR] [EF_SEARCH] [M] [EF_CONSTRUCTION]
//        e.g. 100000, 1000000, 10000000 faces; the graph settings default to VectorIndexOptions'.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>

#include "collection/similarity.h"
#include "collection/vector_index.h"

using namespace beetroot;
using Clock = std::chrono::steady_clock;
constexpr size_t kD = VectorIndex::kDimensions;

namespace {

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// Faces of people shaped like LFW's descriptors: the variance between people's mean descriptors
// (0.314 in all) and around them (0.072) spread over the 128 dimensions as power laws fitted to
// LFW's spectra (exponents 0.845 and 0.621: the same participation ratios, 30 and 61 dimensions).
// Two faces of one person lie ~0.38 apart, two people ~0.88. 1-9 faces a person.
struct Synthetic {
  std::vector<float> faces, queries;
  std::vector<uint32_t> person;  // of each face
};
std::vector<float> spectrum(double total, double exponent) {
  std::vector<float> sd(kD);
  double sum = 0;
  for (size_t k = 0; k < kD; ++k) sum += std::pow(k + 1.0, -exponent);
  for (size_t k = 0; k < kD; ++k) sd[k] = static_cast<float>(std::sqrt(total * std::pow(k + 1.0, -exponent) / sum));
  return sd;
}
Synthetic synthesize(size_t n, size_t queries) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0, 1);
  std::uniform_int_distribution<int> faces_per_person(1, 9);
  const auto between = spectrum(0.314, 0.845), within = spectrum(0.072, 0.621);
  Synthetic s;
  s.faces.resize(n * kD);
  std::vector<float> c(kD);
  std::vector<std::vector<float>> centres;
  for (size_t i = 0; i < n;) {
    for (size_t k = 0; k < kD; ++k) c[k] = between[k] * normal(rng);
    centres.push_back(c);
    for (int f = faces_per_person(rng); f > 0 && i < n; --f, ++i, s.person.push_back(static_cast<uint32_t>(centres.size() - 1)))
      for (size_t k = 0; k < kD; ++k) s.faces[i * kD + k] = c[k] + within[k] * normal(rng);
  }
  // Queries: a new photo of a known person.
  std::uniform_int_distribution<size_t> pick(0, centres.size() - 1);
  for (size_t q = 0; q < queries; ++q) {
    const auto& centre = centres[pick(rng)];
    for (size_t k = 0; k < kD; ++k) s.queries.push_back(centre[k] + within[k] * normal(rng));
  }
  return s;
}

// The exact nearest face of each query, on every core.
std::vector<uint32_t> exact_nearest(const Synthetic& s, size_t n, size_t queries) {
  std::vector<uint32_t> best(queries);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t q; (q = next++) < queries;) {
      const float* probe = &s.queries[q * kD];
      float best_d = INFINITY;
      for (size_t i = 0; i < n; ++i) {
        const float d = squared_distance(probe, &s.faces[i * kD]);
        if (d < best_d) best_d = d, best[q] = static_cast<uint32_t>(i);
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < std::thread::hardware_concurrency(); ++t) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  return best;
}

struct Latency {
  double p50_ms, p99_ms;
};
template <typename F>
Latency measure(size_t queries, F search) {
  std::vector<double> ms;
  for (size_t q = 0; q < queries; ++q) {
    const auto start = Clock::now();
    search(q);
    ms.push_back(seconds_since(start) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::stoul(argv[1]) : 100000;
  const size_t queries = argc > 2 ? std::stoul(argv[2]) : 1000;
  const std::filesystem::path save_dir = argc > 3 ? argv[3] : std::filesystem::temp_directory_path();
  const unsigned threads = std::thread::hardware_concurrency();
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each result as soon as it is measured
  const float radius = distance_for_similarity(95);
  VectorIndexOptions options;
  if (argc > 4) options.hnsw_ef_search = std::stoul(argv[4]);
  if (argc > 5) options.hnsw_m = std::stoul(argv[5]);
  if (argc > 6) options.hnsw_ef_construction = std::stoul(argv[6]);
  std::printf("HNSW M %zu, ef_construction %zu, ef_search %zu\n", options.hnsw_m, options.hnsw_ef_construction,
              options.hnsw_ef_search);

  auto start = Clock::now();
  const Synthetic s = synthesize(n, queries);
  std::printf("faces %zu, queries %zu, %u threads; synthesized in %.1f s\n", n, queries, threads, seconds_since(start));
  start = Clock::now();
  const auto truth = exact_nearest(s, n, queries);
  std::printf("exact search (reference, brute force on %u threads): %.2f ms per query\n", threads,
              seconds_since(start) * 1000 / static_cast<double>(queries));

  std::vector<uint32_t> slots(n);
  for (uint32_t i = 0; i < n; ++i) slots[i] = i;
  // The same searches by a full scan, on one thread as the index searches: the reference. Measured
  // before the graph is built, so that the two copies of the faces are never in memory at once.
  Latency scan{};
  {
    VectorIndexOptions exact_options;
    exact_options.approximate_from = SIZE_MAX;
    VectorIndex exact(exact_options);
    exact.add_many(slots, s.faces.data(), 1);
    // A scan of 10M faces takes about a second: fewer of them there.
    const size_t scans = std::min<size_t>(queries, n > 1000000 ? 30 : 200);
    scan = measure(scans, [&](size_t q) { exact.within(&s.queries[q * kD], radius); });
    std::printf("exact scan (reference): p50 %.3f ms, p99 %.3f ms\n", scan.p50_ms, scan.p99_ms);
  }

  // BENCH_KEEP_GRAPH=1 keeps the built graph in SAVE_DIR and loads it in later runs of the same
  // size and settings: a 10M-face graph takes hours to build on two cores, and minutes to search.
  const char* keep_setting = std::getenv("BENCH_KEEP_GRAPH");
  const bool keep_graph = keep_setting && std::string(keep_setting) == "1";
  // "linked": built with the links to weakly reached faces; a graph kept by an older build is not loaded.
  const auto kept = save_dir / ("vector-index-bench-graph-" + std::to_string(n) + "-m" + std::to_string(options.hnsw_m) +
                                "-efc" + std::to_string(options.hnsw_ef_construction) + "-linked");
  const double before = resident_bytes();
  VectorIndex index(options);
  start = Clock::now();
  if (keep_graph && std::filesystem::exists(kept)) {
    index = VectorIndex::load(kept, options);
    std::printf("graph loaded from %s in %.1f s (built by an earlier run: %s)\n", kept.c_str(), seconds_since(start),
                std::string(std::istreambuf_iterator<char>(std::ifstream(kept.string() + ".build").rdbuf()), {}).c_str());
  } else {
    index.add_many(slots, s.faces.data(), threads);
    const double build_s = seconds_since(start);
    char line[200];
    std::snprintf(line, sizeof line, "build: %.1f s (%.0f faces/s on %u threads)", build_s, static_cast<double>(n) / build_s,
                  threads);
    std::printf("%s, %s\n", line, index.approximate() ? "HNSW" : "exact");
    if (keep_graph) {
      index.save(kept);
      std::ofstream(kept.string() + ".build") << line;
    }
  }
  std::printf("memory %.0f bytes per face\n", (resident_bytes() - before) / static_cast<double>(n));

  // One graph, searched with ever more candidates: latency against recall. Recall@1 of the face
  // (the exact nearest face) and of the person (the nearest face's person, which decides filing).
  Latency search{};
  std::vector<size_t> breadths = {64, 128, 256, 512, 1024};
  if (std::find(breadths.begin(), breadths.end(), options.hnsw_ef_search) == breadths.end())
    breadths.push_back(options.hnsw_ef_search);  // EF_SEARCH is measured too
  for (const size_t ef : breadths) {
    index.set_search_breadth(ef);
    size_t same_face = 0, same_person = 0;
    const Latency knn = measure(queries, [&](size_t q) {
      const auto r = index.nearest(&s.queries[q * kD], 1);
      same_face += !r.empty() && r[0].second == truth[q];
      same_person += !r.empty() && s.person[r[0].second] == s.person[truth[q]];
    });
    const Latency within = measure(queries, [&](size_t q) { index.within(&s.queries[q * kD], radius); });
    if (ef == options.hnsw_ef_search) search = within;
    std::printf("ef_search %4zu: SearchFaces (all within similarity 95) p50 %.3f ms p99 %.3f ms; nearest face p50 %.3f ms "
                "p99 %.3f ms; recall@1 face %.4f, person %.4f\n",
                ef, within.p50_ms, within.p99_ms, knn.p50_ms, knn.p99_ms,
                static_cast<double>(same_face) / static_cast<double>(queries),
                static_cast<double>(same_person) / static_cast<double>(queries));
  }
  index.set_search_breadth(options.hnsw_ef_search);

  std::printf("index p99 / exact scan p99 = %.4f (SearchFaces at ef_search %zu)\n", search.p99_ms / scan.p99_ms,
              options.hnsw_ef_search);

  const auto file = save_dir / ("vector-index-bench-" + std::to_string(n));
  start = Clock::now();
  index.save(file);
  const double save_s = seconds_since(start);
  // The loaded copy answers as the saved one did; the saved one goes first, as at a restart.
  const size_t checks = std::min<size_t>(queries, 100);
  std::vector<std::vector<VectorIndex::Hit>> answers;
  for (size_t q = 0; q < checks; ++q) answers.push_back(index.nearest(&s.queries[q * kD], 1));
  index = VectorIndex();
  start = Clock::now();
  const VectorIndex loaded = VectorIndex::load(file, options);
  const double load_s = seconds_since(start);
  size_t same = 0;
  for (size_t q = 0; q < checks; ++q) same += loaded.nearest(&s.queries[q * kD], 1) == answers[q];
  std::printf("save %.1f s, load %.1f s (%zu/%zu answers equal after loading)\n", save_s, load_s, same, checks);
  std::filesystem::remove(file);
  std::filesystem::remove(file.string() + ".hnsw");
  return 0;
}
