#include "api/metrics.h"

#include <fmt/format.h>

namespace beetroot {

void Metrics::observe(const std::string& operation, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{operation, status}];
  Histogram& h = latency_[operation];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

void Metrics::refused(const std::string& reason) {
  std::lock_guard lock(mutex_);
  ++refusals_[reason];
}

void Metrics::add_value(const std::string& name, const std::string& type, const std::string& help,
                        std::function<double()> read) {
  std::lock_guard lock(mutex_);
  values_.push_back({name, type, help, std::move(read)});
}

std::string Metrics::prometheus_text() const {
  std::lock_guard lock(mutex_);
  std::string out =
      "# HELP beetroot_requests_total Requests served, by operation and HTTP status.\n"
      "# TYPE beetroot_requests_total counter\n";
  for (const auto& [key, count] : requests_)
    out += fmt::format("beetroot_requests_total{{operation=\"{}\",status=\"{}\"}} {}\n", key.first, key.second, count);
  out +=
      "# HELP beetroot_request_duration_seconds Time from request to response, by operation.\n"
      "# TYPE beetroot_request_duration_seconds histogram\n";
  for (const auto& [operation, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i)
      out += fmt::format("beetroot_request_duration_seconds_bucket{{operation=\"{}\",le=\"{}\"}} {}\n", operation,
                         kBuckets[i], h.buckets[i]);
    out += fmt::format("beetroot_request_duration_seconds_bucket{{operation=\"{}\",le=\"+Inf\"}} {}\n", operation, h.count);
    out += fmt::format("beetroot_request_duration_seconds_sum{{operation=\"{}\"}} {}\n", operation, h.sum);
    out += fmt::format("beetroot_request_duration_seconds_count{{operation=\"{}\"}} {}\n", operation, h.count);
  }
  out +=
      "# HELP beetroot_refusals_total Connections and requests turned away by a limit, by the limit.\n"
      "# TYPE beetroot_refusals_total counter\n";
  for (const auto& [reason, count] : refusals_)
    out += fmt::format("beetroot_refusals_total{{reason=\"{}\"}} {}\n", reason, count);
  for (const auto& v : values_)
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", v.name, v.help, v.type, v.read());
  return out;
}

}  // namespace beetroot
