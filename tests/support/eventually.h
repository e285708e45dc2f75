// Waiting in tests of things that run on threads of their own (controllers, the scheduler):
// must() unwraps a Result or fails the test with its message; eventually() polls a condition
// for at most ten seconds.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include "common/result.h"

namespace xebec::testing {

template <typename T>
T must(Result<T> r) {
  INFO((r ? std::string("ok") : r.error().message));
  REQUIRE(r.ok());
  return std::move(*r);
}

// Polls `ok` every 50 ms until it holds; fails the test, saying `what`, after 10 s.
template <typename Check>
void eventually(const char* what, Check ok) {
  INFO("waiting for " << what);
  for (int i = 0; i < 200 && !ok(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(ok());
}

}  // namespace xebec::testing
