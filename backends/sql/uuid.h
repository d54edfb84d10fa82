// Ids for message rows.
#ifndef PARLEY_BACKENDS_SQL_UUID_H_
#define PARLEY_BACKENDS_SQL_UUID_H_

#include <string>

namespace parley {
namespace sql {

// A random version 4 UUID from the kernel's generator (safe across fork(),
// unlike a generator seeded once per process).
std::string NewUuid();

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_UUID_H_
