// Reconciler: how every controller of the controller-manager runs. Informer handlers only add
// keys to a WorkQueue; workers take keys one at a time and reconcile each (read the caches, write
// the difference); a failed reconcile comes back after a growing pause. Level-triggered: a
// reconcile looks at the whole state of its key, never at the event that queued it.
#pragma once

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "controlplane/client/work_queue.h"

namespace xebec::controllers {

class Reconciler {
 public:
  using Reconcile = std::function<Status(const std::string& key)>;

  // `name` prefixes the errors it logs ("replicaset default/web: ...").
  Reconciler(std::string name, Reconcile reconcile) : name_(std::move(name)), reconcile_(std::move(reconcile)) {}
  ~Reconciler() { stop(); }
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  void enqueue(const std::string& key) { queue_.add(key); }
  void enqueue_after(const std::string& key, client::Delay delay) { queue_.add_after(key, delay); }
  void start(int workers);
  // Lets the workers finish the key they hold, then joins them.
  void stop();

 private:
  void work();

  const std::string name_;
  const Reconcile reconcile_;
  client::WorkQueue queue_;
  std::vector<std::jthread> workers_;
};

}  // namespace xebec::controllers
