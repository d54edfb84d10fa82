// The C ABI's store handles (api/parley.h): parley_storage, and the registry
// of live handles that lets every entry point refuse a closed or unknown
// handle with PARLEY_FAILED_PRECONDITION instead of following the pointer.
#ifndef PARLEY_API_C_HANDLES_H_
#define PARLEY_API_C_HANDLES_H_

#include <memory>

#include "api/async_storage.h"
#include "api/storage.h"

struct parley_storage {
  // Serves the _async calls and owns the Storage below.
  std::unique_ptr<parley::AsyncStorage> async;
  // The Storage `async` owns, for the sync calls: they run on the caller's
  // thread, so a sync call made inside a completion callback never waits
  // for a store thread.
  parley::Storage* sync = nullptr;
};

namespace parley {
namespace c_abi {

// Adds a handle to the live set.
void RegisterHandle(parley_storage* storage);
// True when `storage` is in the live set. Never dereferences it.
bool IsLiveHandle(const parley_storage* storage);
// Removes `storage` from the live set; false when it was not there (NULL,
// already closed, never opened).
bool UnregisterHandle(parley_storage* storage);

}  // namespace c_abi
}  // namespace parley

#endif  // PARLEY_API_C_HANDLES_H_
