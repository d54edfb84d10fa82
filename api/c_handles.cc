#include "api/c_handles.h"

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"

namespace parley {
namespace c_abi {
namespace {

// The handles parley_open gave out and parley_close has not yet taken back.
// Only addresses are compared, so an unknown pointer is never read.
class HandleRegistry {
 public:
  void Add(parley_storage* storage) {
    absl::MutexLock lock(&mu_);
    live_.insert(storage);
  }
  // Every call asks, from any number of threads: a shared lock.
  bool Contains(const parley_storage* storage) {
    absl::ReaderMutexLock lock(&mu_);
    return live_.contains(storage);
  }
  bool Remove(parley_storage* storage) {
    absl::MutexLock lock(&mu_);
    return live_.erase(storage) > 0;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_set<const parley_storage*> live_ ABSL_GUARDED_BY(mu_);
};

// Never destroyed: a callback thread or an atexit handler may still ask
// after static destructors have run.
HandleRegistry& Registry() {
  static HandleRegistry* const registry = new HandleRegistry;
  return *registry;
}

}  // namespace

void RegisterHandle(parley_storage* storage) { Registry().Add(storage); }

bool IsLiveHandle(const parley_storage* storage) {
  return storage != nullptr && Registry().Contains(storage);
}

bool UnregisterHandle(parley_storage* storage) {
  return storage != nullptr && Registry().Remove(storage);
}

}  // namespace c_abi
}  // namespace parley
