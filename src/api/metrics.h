#pragma once
#include <array>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace beetroot {

// Request counts and latency histograms per operation and status, in Prometheus' text format.
class Metrics {
 public:
  void observe(const std::string& operation, int status, double seconds);
  // A connection or request turned away by a limit, by the limit's name.
  void refused(const std::string& reason);
  // A value read when metrics are scraped; `type` is "gauge" (queue depth) or "counter" (faces indexed).
  void add_value(const std::string& name, const std::string& type, const std::string& help,
                 std::function<double()> read);
  std::string prometheus_text() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1,    2.5,   10};
  struct Histogram {
    std::array<int64_t, kBuckets.size()> buckets{};
    int64_t count = 0;
    double sum = 0;
  };
  struct Value {
    std::string name, type, help;
    std::function<double()> read;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, int64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::string, int64_t> refusals_;
  std::vector<Value> values_;
};

}  // namespace beetroot
