#include "backends/sql/pool_options.h"

#include <string>

#include "storage/status_macros.h"

namespace parley {

bool IsPoolOption(absl::string_view key) {
  return key == "pool_size" || key == "max_overflow" || key == "pool_timeout" ||
         key == "pool_recycle" || key == "pool_pre_ping";
}

absl::StatusOr<PoolOptions> ReadPoolOptions(const StorageUrl& url) {
  PoolOptions options;
  if (const std::string* value = url.FindOption("pool_size")) {
    ASSIGN_OR_RETURN(options.pool_size, ParseIntOption("pool_size", *value, 0,
                                                       "0 (no limit) or more"));
  }
  if (const std::string* value = url.FindOption("max_overflow")) {
    ASSIGN_OR_RETURN(
        options.max_overflow,
        ParseIntOption("max_overflow", *value, -1, "-1 (no limit) or more"));
  }
  if (const std::string* value = url.FindOption("pool_timeout")) {
    ASSIGN_OR_RETURN(options.pool_timeout_s,
                     ParseSecondsOption("pool_timeout", *value,
                                        /*allow_minus_one=*/false));
  }
  if (const std::string* value = url.FindOption("pool_recycle")) {
    ASSIGN_OR_RETURN(options.pool_recycle_s,
                     ParseSecondsOption("pool_recycle", *value,
                                        /*allow_minus_one=*/true));
  }
  if (const std::string* value = url.FindOption("pool_pre_ping")) {
    ASSIGN_OR_RETURN(options.pool_pre_ping,
                     ParseBoolOption("pool_pre_ping", *value));
  }
  return options;
}

}  // namespace parley
