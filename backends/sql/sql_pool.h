// A pool of SqlConnections: lends an idle one, opens a new one while fewer
// than `max_connections` are open, else waits up to `timeout` for one to
// come back (SQLAlchemy's QueuePool semantics with pool_size + max_overflow).
#ifndef PARLEY_BACKENDS_SQL_SQL_POOL_H_
#define PARLEY_BACKENDS_SQL_SQL_POOL_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/sql/sql_connection.h"

namespace parley {
namespace sql {

using SqlConnectionFactory =
    std::function<absl::StatusOr<std::unique_ptr<SqlConnection>>()>;

// Thread-safe. Every lease must end before the pool is destroyed.
class SqlConnectionPool : public SqlConnectionSource {
 public:
  // REQUIRES: max_connections >= 1.
  SqlConnectionPool(SqlConnectionFactory factory, int max_connections,
                    absl::Duration timeout);
  ~SqlConnectionPool() override;

  absl::StatusOr<SqlConnectionLease> Acquire() override;

 private:
  void Release(SqlConnection* connection, bool healthy) override;

  // Constant after construction.
  const SqlConnectionFactory factory_;
  const int max_connections_;
  const absl::Duration timeout_;

  absl::Mutex mu_;
  // Every open connection, lent or idle.
  std::vector<std::unique_ptr<SqlConnection>> open_ ABSL_GUARDED_BY(mu_);
  std::vector<SqlConnection*> idle_ ABSL_GUARDED_BY(mu_);
  // Connections being opened outside the lock, counted against the limit.
  int opening_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_SQL_POOL_H_
