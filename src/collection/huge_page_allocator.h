#pragma once
#include <sys/mman.h>

#include <cstdlib>
#include <memory>
#include <new>
#include <utility>

namespace beetroot {

// Blocks of 2 MB and more in 2 MB pages. The vector index reads its arrays at random across
// gigabytes; with 4 KB pages nearly every read also misses the TLB, which costs most in a virtual
// machine, and filling them takes 512x more page faults. Elements are default-initialised, not
// zeroed: the kernel hands out zeroed pages, and a load overwrites them anyway.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr size_t kPage = size_t{2} << 20;

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kPage) return std::allocator<T>{}.allocate(n);
    const size_t rounded = (bytes + kPage - 1) / kPage * kPage;
    void* block = std::aligned_alloc(kPage, rounded);
    if (!block) throw std::bad_alloc();
    madvise(block, rounded, MADV_HUGEPAGE);
    return static_cast<T*>(block);
  }
  void deallocate(T* block, size_t n) noexcept {
    if (n * sizeof(T) < kPage)
      std::allocator<T>{}.deallocate(block, n);
    else
      std::free(block);
  }

  template <typename U>
  void construct(U* at) noexcept {
    ::new (static_cast<void*>(at)) U;
  }
  template <typename U, typename... Args>
  void construct(U* at, Args&&... args) {
    ::new (static_cast<void*>(at)) U(std::forward<Args>(args)...);
  }

  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }
};

}  // namespace beetroot
