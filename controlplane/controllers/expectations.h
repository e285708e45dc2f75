// Expectations: what a controller has asked the apiserver to create or delete for a key and not
// yet seen come back through its watch. Until it has (or until they expire), the controller's
// cache is behind its own writes, and acting on it again would create or delete twice.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace xebec::controllers {

// Thread-safe.
class Expectations {
 public:
  using Clock = std::chrono::steady_clock;
  // After this, expectations that never came true (a watch event lost to a relist, say) are
  // given up, as client-go's are.
  static constexpr std::chrono::minutes kTimeout{5};

  void expect(const std::string& key, int creates, int deletes);
  void created(const std::string& key);  // seen, or a create that failed
  void deleted(const std::string& key);  // seen, or a delete that failed
  // Nothing pending for `key` (or what was pending expired).
  bool satisfied(const std::string& key);
  void forget(const std::string& key);

 private:
  struct Pending {
    int creates = 0, deletes = 0;
    Clock::time_point since;
  };
  std::mutex mu_;
  std::map<std::string, Pending> pending_;
};

}  // namespace xebec::controllers
