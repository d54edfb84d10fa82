// Connection-pool settings read from URL options, with SQLAlchemy's names,
// defaults and meaning: the SQL backends' shared options.
#ifndef PARLEY_BACKENDS_SQL_POOL_OPTIONS_H_
#define PARLEY_BACKENDS_SQL_POOL_OPTIONS_H_

#include <climits>

#include "absl/status/statusor.h"
#include "storage/url.h"

namespace parley {

struct PoolOptions {
  int pool_size = 5;           // connections kept open; 0: no limit
  int max_overflow = 10;       // extra connections under load; -1: no limit
  double pool_timeout_s = 30;  // wait for a free connection, then
                               // ResourceExhausted
  double pool_recycle_s = -1;  // reopen connections older than this; <0 never
  bool pool_pre_ping = false;  // check a connection before handing it out

  // How many connections may be open at once: pool_size + max_overflow, or
  // INT_MAX when either says "no limit".
  int max_connections() const {
    if (pool_size == 0 || max_overflow < 0) return INT_MAX;
    return pool_size + max_overflow;
  }
};

// Whether `key` is one of the options above.
bool IsPoolOption(absl::string_view key);

// Reads the pool options from `url` (defaults for those not given).
// InvalidArgument naming the option for a malformed or negative value.
absl::StatusOr<PoolOptions> ReadPoolOptions(const StorageUrl& url);

}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_POOL_OPTIONS_H_
