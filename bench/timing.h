// Wall-clock timing for benchmarks: a stopwatch and the samples of repeated runs.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace xebec::bench {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Seconds of repeated runs of one measurement; figures are reported as median and best.
class Samples {
 public:
  void add(double seconds) { values_.push_back(seconds); }
  bool empty() const { return values_.empty(); }
  std::size_t size() const { return values_.size(); }
  double best() const { return *std::min_element(values_.begin(), values_.end()); }
  double worst() const { return *std::max_element(values_.begin(), values_.end()); }
  double median() const {
    auto v = values_;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  }

 private:
  std::vector<double> values_;
};

// "16.2 s", "312 ms", "85.1 µs": three significant figures in a fitting unit.
inline std::string human_seconds(double s) {
  char buf[32];
  if (s >= 1)
    std::snprintf(buf, sizeof buf, "%.3g s", s);
  else if (s >= 1e-3)
    std::snprintf(buf, sizeof buf, "%.3g ms", s * 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.3g µs", s * 1e6);
  return buf;
}

}  // namespace xebec::bench
