// A pool of SqlConnections: lends an idle one, opens a new one while fewer
// than `max_connections` are open, else waits up to `timeout` for one to
// come back (SQLAlchemy's QueuePool semantics with pool_size + max_overflow).
//
// Lending and giving back an idle connection take no lock: idle connections
// sit in a fixed array of atomic slots, and each thread starts looking at
// the slot it used last (so it mostly gets its own connection back, with
// its statements and pages warm). A store called from many threads for
// short reads spent more time convoying on one pool mutex (two lock
// handoffs per call) than in SQLite. The mutex is taken only to open a
// connection, to wait when none is free, and to close a broken one.
#ifndef PARLEY_BACKENDS_SQL_SQL_POOL_H_
#define PARLEY_BACKENDS_SQL_SQL_POOL_H_

#include <atomic>
#include <cstddef>
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

  // An idle connection from a slot, or null; no lock.
  SqlConnection* TakeIdle();
  // Puts `connection` in a free slot; false when every slot is taken.
  bool PutIdle(SqlConnection* connection);
  bool AnyIdle() const;

  // Idle connections, null where a slot is free. The slot array is sized
  // for every connection the pool may open, up to kMaxSlots; beyond that the
  // overflow is idle_overflow_.
  static constexpr size_t kMaxSlots = 256;
  const size_t num_slots_;
  const std::unique_ptr<std::atomic<SqlConnection*>[]> slots_;
  // Threads waiting in Acquire: a connection given back to a slot while one
  // waits passes through the mutex to wake it.
  std::atomic<int> waiters_{0};

  absl::Mutex mu_;
  // Every open connection, lent or idle.
  std::vector<std::unique_ptr<SqlConnection>> open_ ABSL_GUARDED_BY(mu_);
  std::vector<SqlConnection*> idle_overflow_ ABSL_GUARDED_BY(mu_);
  // Connections being opened outside the lock, counted against the limit.
  int opening_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_SQL_POOL_H_
