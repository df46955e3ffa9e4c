#pragma once
// This machine's FP32 FMA peak, measured now: a plain loop of independent FMAs with the widest
// vectors oneDNN's kernels may use (AVX-512 where the CPU has it, unless DNNL_MAX_CPU_ISA caps the
// kernels at AVX2), on 1 or more threads. Every speed the benchmarks print is a share of it, not
// of some library's GEMM.
#include <immintrin.h>

#include <dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace beetroot::bench {

// Twelve accumulators: enough to hide the FMA latency on two pipes.
#define BEETROOT_FMA_LOOP(V, FMADD)                                                                           \
  V a0 = s * 1, a1 = s * 2, a2 = s * 3, a3 = s * 4, a4 = s * 5, a5 = s * 6, a6 = s * 7, a7 = s * 8, a8 = s * 9, \
    a9 = s * 10, a10 = s * 11, a11 = s * 12;                                                                  \
  asm volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7), "+v"(a8),  \
               "+v"(a9), "+v"(a10), "+v"(a11));                                                               \
  for (long n = 0; n < iterations; ++n) {                                                                     \
    a0 = FMADD(a0, b, c); a1 = FMADD(a1, b, c); a2 = FMADD(a2, b, c); a3 = FMADD(a3, b, c);                    \
    a4 = FMADD(a4, b, c); a5 = FMADD(a5, b, c); a6 = FMADD(a6, b, c); a7 = FMADD(a7, b, c);                    \
    a8 = FMADD(a8, b, c); a9 = FMADD(a9, b, c); a10 = FMADD(a10, b, c); a11 = FMADD(a11, b, c);                \
  }                                                                                                           \
  asm volatile("" ::"v"(a0), "v"(a1), "v"(a2), "v"(a3), "v"(a4), "v"(a5), "v"(a6), "v"(a7), "v"(a8), "v"(a9), \
               "v"(a10), "v"(a11));

__attribute__((target("avx512f"))) inline void fma_loop_512(long iterations) {
  const __m512 s = _mm512_set1_ps(1.f), b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  BEETROOT_FMA_LOOP(__m512, _mm512_fmadd_ps)
}

__attribute__((target("avx2,fma"))) inline void fma_loop_256(long iterations) {
  const __m256 s = _mm256_set1_ps(1.f), b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  BEETROOT_FMA_LOOP(__m256, _mm256_fmadd_ps)
}
#undef BEETROOT_FMA_LOOP

struct FmaPeak {
  std::string isa;  // "AVX-512" or "AVX2"
  double gflops;
};

// Best of three runs of ~0.2 s on `threads` threads at once.
inline FmaPeak fma_peak(int threads) {
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const auto avx512_core = static_cast<unsigned>(dnnl::cpu_isa::avx512_core);
  const bool avx512 = __builtin_cpu_supports("avx512f") && (isa & avx512_core) == avx512_core;
  const long iterations = 100'000'000;
  const int lanes = avx512 ? 16 : 8;
  double best = 0;
  for (int run = 0; run < 3; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&] { avx512 ? fma_loop_512(iterations) : fma_loop_256(iterations); });
    for (auto& t : pool) t.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, 2.0 * 12 * lanes * iterations * threads / seconds / 1e9);
  }
  return {avx512 ? "AVX-512" : "AVX2", best};
}

}  // namespace beetroot::bench
