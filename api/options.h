#ifndef PARLEY_API_OPTIONS_H_
#define PARLEY_API_OPTIONS_H_

#include <functional>

#include "absl/time/time.h"

namespace parley {

// Options for Storage::Open. A plain struct: copy it, change what you need.
struct StorageOptions {
  // Where timestamps come from (created_at, updated_at, expires_at and the
  // "now" of GetActiveConversationsCount). Default (empty): absl::Now().
  // Tests set a fixed clock.
  std::function<absl::Time()> clock;

  // A SQL store whose schema version is older than this code: upgrade it
  // when opening (default), or refuse with FailedPrecondition so that an
  // operator runs `parley schema upgrade` deliberately. A store newer than
  // the code is always refused.
  bool upgrade_schema = true;
};

}  // namespace parley

#endif  // PARLEY_API_OPTIONS_H_
