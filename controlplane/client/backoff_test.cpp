// Exponential back-off: doubling from the base, capped, per key, reset by forget.
#include "controlplane/client/backoff.h"

#include <catch2/catch.hpp>

namespace xebec::client {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("exponential_delay doubles from the base and stops at the cap", "[backoff]") {
  CHECK(exponential_delay(milliseconds(5), seconds(1000), 0) == milliseconds(5));
  CHECK(exponential_delay(milliseconds(5), seconds(1000), 1) == milliseconds(10));
  CHECK(exponential_delay(milliseconds(5), seconds(1000), 10) == milliseconds(5120));
  CHECK(exponential_delay(milliseconds(5), seconds(1000), 17) == milliseconds(655360));
  CHECK(exponential_delay(milliseconds(5), seconds(1000), 18) == seconds(1000));
  CHECK(exponential_delay(milliseconds(5), seconds(1000), 5000) == seconds(1000));  // no overflow
}

TEST_CASE("KeyedBackoff counts each key's failures until it is forgotten", "[backoff]") {
  KeyedBackoff backoff(milliseconds(5), seconds(1));
  CHECK(backoff.when("a") == milliseconds(5));
  CHECK(backoff.when("a") == milliseconds(10));
  CHECK(backoff.when("a") == milliseconds(20));
  CHECK(backoff.when("b") == milliseconds(5));
  CHECK(backoff.failures("a") == 3);
  for (int i = 0; i < 20; ++i) (void)backoff.when("a");
  CHECK(backoff.when("a") == seconds(1));
  backoff.forget("a");
  CHECK(backoff.failures("a") == 0);
  CHECK(backoff.when("a") == milliseconds(5));
  CHECK(backoff.failures("b") == 1);
}

}  // namespace xebec::client
