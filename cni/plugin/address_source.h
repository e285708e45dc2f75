// Where a pod's address comes from: xebec-ipam in this process (no exec, no JSON round trip),
// or any other IPAM plugin run from CNI_PATH. One interface, two implementations.
#pragma once

#include <netinet/in.h>

#include <memory>
#include <vector>

#include "cni/plugin/config.h"
#include "cni/spec/config.h"
#include "cni/spec/invocation.h"
#include "cni/spec/result.h"
#include "common/result.h"

namespace xebec::cni {

struct PodAddress {
  in_addr ip{};  // the pod's IPv4 address
  Dns dns;       // what the IPAM adds to the network's DNS settings
};

// One network's addresses for one invocation; not thread-safe.
class AddressSource {
 public:
  virtual ~AddressSource() = default;
  // kAlreadyExists when the attachment holds an address already.
  virtual Result<PodAddress> allocate(const Invocation& inv) = 0;
  // Idempotent: an attachment holding nothing is success.
  virtual Status release(const Invocation& inv) = 0;
  // Whether the attachment holds `ip`.
  virtual Status check(const Invocation& inv, in_addr ip) = 0;
  // Releases every attachment not in `valid`; returns the ones it released.
  virtual Result<std::vector<Attachment>> gc(const Invocation& inv, const std::vector<Attachment>& valid) = 0;
  // Whether an ADD could get an address now (kExhausted when the range is full).
  virtual Status ready(const Invocation& inv) = 0;
};

// xebec-ipam in-process when the configuration names it, else a delegate from CNI_PATH.
// Errors come from reading the ipam configuration (kInvalid, naming the field).
Result<std::unique_ptr<AddressSource>> make_address_source(const PluginConfig& config, const NetConf& conf);

}  // namespace xebec::cni
