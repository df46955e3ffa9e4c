#include "inference/compute.h"

#include <omp.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <string>

namespace beetroot {

void Arena::Free::operator()(float* p) const { std::free(p); }

float* Arena::floats(int slot, size_t count) {
  if (buffers_.size() <= static_cast<size_t>(slot)) buffers_.resize(slot + 1);
  return grown(buffers_[slot], count).data.get();
}

void* Arena::scratch(Scratch which, size_t bytes) {
  return grown(scratch_[static_cast<int>(which)], (bytes + sizeof(float) - 1) / sizeof(float)).data.get();
}

Arena::Buffer& Arena::grown(Buffer& b, size_t count) {
  if (b.count < count) {
    const size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
    b.data.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
    if (!b.data) throw std::bad_alloc();
    b.count = count;
  }
  return b;
}

struct Cores::Workspace {
  Arena arena;
  dnnl::stream stream{cpu_engine()};
};

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return 1;
}

Cores::Cores(int count) : count_(count > 0 ? count : available_cores()), free_(count_) {
  for (int i = 0; i < count_; ++i) {
    workspaces_.push_back(std::make_unique<Workspace>());
    idle_workspaces_.push_back(i);
  }
}

Cores::~Cores() = default;

namespace {
thread_local uint64_t current_turn = 0;  // 0: none; each call takes a new one
}

uint64_t Cores::take_turn() {
  std::lock_guard lock(mutex_);
  return next_turn_++;
}

Cores::Turn::Turn(Cores& cores) : outer_(current_turn) {
  if (current_turn == 0) current_turn = cores.take_turn();
}

Cores::Turn::~Turn() { current_turn = outer_; }

Cores::Lease Cores::acquire(int wanted) {
  std::unique_lock lock(mutex_);
  const uint64_t turn = current_turn != 0 ? current_turn : next_turn_++;
  const auto waiting = waiting_.insert(turn);
  freed_.wait(lock, [&] { return free_ > 0 && *waiting_.begin() == turn; });
  waiting_.erase(waiting);
  const int threads = std::min(free_, wanted > 0 ? wanted : count_);
  free_ -= threads;
  if (free_ > 0) freed_.notify_all();  // the next turn may take what is left
  const size_t workspace = idle_workspaces_.back();
  idle_workspaces_.pop_back();
  lock.unlock();
  omp_set_num_threads(threads);
  return Lease(this, threads, workspace);
}

void Cores::release(int threads, size_t workspace) {
  {
    std::lock_guard lock(mutex_);
    free_ += threads;
    idle_workspaces_.push_back(workspace);
  }
  freed_.notify_all();
}

Cores::Lease::Lease(Cores* owner, int threads, size_t workspace)
    : owner_(owner), threads_(threads), workspace_(workspace) {}

Cores::Lease::Lease(Lease&& other) noexcept
    : owner_(other.owner_), threads_(other.threads_), workspace_(other.workspace_) {
  other.owner_ = nullptr;
}

Cores::Lease::~Lease() {
  if (owner_) owner_->release(threads_, workspace_);
}

Arena& Cores::Lease::arena() { return owner_->workspaces_[workspace_]->arena; }
dnnl::stream& Cores::Lease::stream() { return owner_->workspaces_[workspace_]->stream; }

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

bool has_integer_kernels() {
  static const bool jitted = [] {  // asked once: every photo's finer pass asks
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    // The SSD's two layer kinds on u8 NHWC activations: a 3x3 depthwise and a 1x1 convolution.
    auto jitted_for = [](const dnnl::memory::dims& weights, int channels) {
      const dnnl::memory::desc src({1, 64, 32, 32}, dt::u8, tag::nhwc), dst({1, channels, 32, 32}, dt::u8, tag::nhwc);
      const int pad = weights.back() / 2;
      const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src,
                                              {weights, dt::s8, tag::any}, dst, {1, 1}, {pad, pad}, {pad, pad});
      try {
        const dnnl::convolution_forward::primitive_desc pd(d, cpu_engine());
        return std::string(pd.impl_info_str()).rfind("ref", 0) != 0;
      } catch (const dnnl::error&) {
        return false;
      }
    };
    return jitted_for({64, 1, 1, 3, 3}, 64) && jitted_for({128, 64, 1, 1}, 128);
  }();
  return jitted;
}

}  // namespace beetroot
