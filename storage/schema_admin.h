// Schema versions of a versioned store (the SQL stores): `parley schema
// status` and `parley schema upgrade`. A Backend of a versioned store hands
// it out with Backend::schema_admin(); an unversioned store (JSON) has none.
//
// Thread safety and the codes every method may return besides those listed:
// as Backend (storage/backend.h).
#ifndef PARLEY_STORAGE_SCHEMA_ADMIN_H_
#define PARLEY_STORAGE_SCHEMA_ADMIN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace parley {

// Where a store's schema stands.
struct SchemaStatus {
  // The version the store is at: 0 for an empty store (no tables), -1 for
  // the original application's tables without a version table (adoptable).
  int stored_version = 0;
  // The newest version this code knows.
  int code_version = 0;
  // One line per migration not yet applied ("3: add messages.position").
  std::vector<std::string> pending;
};

class SchemaAdmin {
 public:
  virtual ~SchemaAdmin() = default;

  virtual absl::StatusOr<SchemaStatus> GetSchemaStatus() = 0;

  // Applies every pending migration in order, each in its own transaction,
  // under a lock that lets only one process migrate at a time (another
  // waits, then finds nothing left to do). FailedPrecondition when the
  // stored schema is newer than the code, or when called on a transaction's
  // Backend. Returns the status afterwards.
  virtual absl::StatusOr<SchemaStatus> UpgradeSchema() = 0;
};

}  // namespace parley

#endif  // PARLEY_STORAGE_SCHEMA_ADMIN_H_
