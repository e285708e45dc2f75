// A throw-away dataplane instance for tests: programs loaded, maps pinned under a unique
// --bpf-root that is removed again (pins and all) when the test ends, pass or fail.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "dataplane/bpf_load_balancer.h"
#include "dataplane/lb_object.h"

namespace xebec::testing {

class BpfInstance {
 public:
  explicit BpfInstance(const std::string& name = "test", const dataplane::MapSizes& sizes = {})
      : root_("/sys/fs/bpf/xebec/" + name + "-" + std::to_string(getpid()) + "-" + std::to_string(counter()++)) {
    if (geteuid() != 0) throw std::runtime_error("this test loads BPF programs: run it as root (CI does)");
    auto object = dataplane::LbObject::open(root_, dataplane::LbObject::Mode::kLoadPrograms, sizes);
    if (!object) throw std::runtime_error(object.error().message);
    object_ = std::move(*object);
    lb_ = std::make_unique<dataplane::BpfLoadBalancer>(*object_);
  }
  ~BpfInstance() {
    lb_.reset();
    object_.reset();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  BpfInstance(const BpfInstance&) = delete;
  BpfInstance& operator=(const BpfInstance&) = delete;

  const std::string& root() const { return root_; }
  const dataplane::LbObject& object() const { return *object_; }
  dataplane::BpfLoadBalancer& lb() { return *lb_; }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::string root_;
  std::unique_ptr<dataplane::LbObject> object_;
  std::unique_ptr<dataplane::BpfLoadBalancer> lb_;
};

}  // namespace xebec::testing
