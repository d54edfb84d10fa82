// Test-only access to a JSON backend's internals. Not part of any API.
#ifndef PARLEY_BACKENDS_JSON_JSON_BACKEND_INTERNAL_H_
#define PARLEY_BACKENDS_JSON_JSON_BACKEND_INTERNAL_H_

#include <cstdint>

#include "storage/backend.h"

namespace parley {
namespace json_backend {

// How many record files `backend` (opened by OpenJsonBackend, or the view a
// transaction gives) has parsed so far.
// REQUIRES: `backend` is a JSON backend.
int64_t FilesParsedForTesting(Backend& backend);

}  // namespace json_backend
}  // namespace parley

#endif  // PARLEY_BACKENDS_JSON_JSON_BACKEND_INTERNAL_H_
