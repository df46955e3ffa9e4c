#pragma once
// The cores inference may use, lent per net call, and the oneDNN engine the nets run on.
#include <condition_variable>
#include <cstddef>
#include <dnnl.hpp>
#include <memory>
#include <cstdint>
#include <mutex>
#include <set>
#include <vector>

namespace beetroot {

// Buffers one computation reuses from call to call, by slot; they only grow.
class Arena {
 public:
  static constexpr int kInputSlot = 0;  // a net's input, filled by its caller; the nets use the others
  // 64-byte aligned, contents undefined.
  float* floats(int slot, size_t count);
  // Space a layer needs while it runs: oneDNN's scratchpad, and its input in another layout where
  // its kernel wants one.
  enum class Scratch { Scratchpad, Source };
  void* scratch(Scratch which, size_t bytes);

 private:
  struct Free {
    void operator()(float* p) const;
  };
  struct Buffer {
    std::unique_ptr<float, Free> data;
    size_t count = 0;
  };
  Buffer& grown(Buffer& b, size_t count);
  std::vector<Buffer> buffers_;
  Buffer scratch_[2];
};

// Hands the machine's cores to net calls. A call takes as many free cores as it can use, so one
// request alone runs on all of them and several share them, and oneDNN's OpenMP teams never
// outnumber the cores: two teams spinning on two cores slow each other down (../shared/MODELS.md).
class Cores {
 public:
  explicit Cores(int count = 0);  // 0: every core this process may run on
  ~Cores();
  Cores(const Cores&) = delete;
  Cores& operator=(const Cores&) = delete;

  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    int threads() const { return threads_; }
    Arena& arena();
    dnnl::stream& stream();

   private:
    friend class Cores;
    Lease(Cores* owner, int threads, size_t workspace);
    Cores* owner_;
    int threads_;
    size_t workspace_;
  };

  // Waits for a free core, then takes up to `wanted` (0: all); the calling thread's oneDNN calls
  // run on that many threads until the lease ends. Waiting calls are served oldest turn first.
  Lease acquire(int wanted = 0);

  // While it lives, every net call of this thread waits with the turn it took when made: the
  // calls of one request (or photo) are served before those of requests that came later, so that
  // under load requests finish in the order they came instead of all finishing late together.
  class Turn {
   public:
    explicit Turn(Cores& cores);
    ~Turn();
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;

   private:
    uint64_t outer_;
  };
  int count() const { return count_; }

 private:
  struct Workspace;
  void release(int threads, size_t workspace);

  uint64_t take_turn();

  int count_;
  uint64_t next_turn_ = 1;
  std::multiset<uint64_t> waiting_;  // the turns of the calls waiting for a core
  std::mutex mutex_;
  std::condition_variable freed_;
  int free_;
  std::vector<std::unique_ptr<Workspace>> workspaces_;
  std::vector<size_t> idle_workspaces_;
};

// The CPU engine every net's primitives are created on.
const dnnl::engine& cpu_engine();

// Whether oneDNN has jitted integer convolutions here (AVX2 and up, within the cap
// DNNL_MAX_CPU_ISA sets); elsewhere only its reference kernels, hundreds of times slower.
bool has_integer_kernels();

// Cores this process may run on (its affinity mask), at least 1.
int available_cores();

}  // namespace beetroot
