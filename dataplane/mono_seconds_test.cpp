// xebec_mono_seconds (bpf/api/lb.h): the datapath's division-free nanoseconds-to-seconds.
#include <catch2/catch.hpp>
#include <cstdint>

#include "bpf/api/lb.h"

TEST_CASE("mono seconds stay within a second of ns / 1e9 for 34 years of uptime", "[clock]") {
  constexpr std::uint64_t kSecond = 1'000'000'000;
  constexpr std::uint64_t kYear = 365ULL * 86400 * kSecond;
  for (std::uint64_t ns : {std::uint64_t{0}, kSecond - 1, kSecond, 59 * kSecond + 999'999'999, 21600 * kSecond,
                           86400 * kSecond + 1, kYear, 10 * kYear + 12345, 34 * kYear}) {
    const std::int64_t exact = static_cast<std::int64_t>(ns / kSecond);
    const std::int64_t fast = xebec_mono_seconds(ns);
    INFO(ns << " ns: exact " << exact << " s, fast " << fast << " s");
    CHECK(fast <= exact);
    CHECK(exact - fast <= 1);
  }
  // Monotonic: a later time never reads as earlier, including across second boundaries.
  std::uint32_t last = 0;
  std::uint64_t backwards_at = 0;
  for (std::uint64_t ns = 1; ns < 5000 * kSecond && !backwards_at; ns += 7'777'777) {
    if (xebec_mono_seconds(ns) < last) backwards_at = ns;
    last = xebec_mono_seconds(ns);
  }
  CHECK(backwards_at == 0);
}
