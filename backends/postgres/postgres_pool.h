// The PostgreSQL backend's connection pool. Internal to the backend; its
// counters are for tests.
#ifndef PARLEY_BACKENDS_POSTGRES_POSTGRES_POOL_H_
#define PARLEY_BACKENDS_POSTGRES_POSTGRES_POOL_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/postgres/postgres_connection.h"
#include "backends/sql/sql_connection.h"
#include "backends/sql/pool_options.h"
#include "storage/url.h"

namespace parley {
namespace postgres {

// A snapshot of the pool's state.
struct PoolCounters {
  int open = 0;     // connections open now, idle or lent
  int idle = 0;     // open and waiting in the pool
  int lent = 0;     // open and in a caller's hands
  int opening = 0;  // being connected right now
  // Totals since the pool was made.
  int64_t opened = 0;           // connections opened
  int64_t discarded = 0;        // closed because broken, failed a pre-ping, or
                                // could not be rolled back
  int64_t recycled = 0;         // closed because older than pool_recycle
  int64_t closed_overflow = 0;  // closed on return: pool_size already idle
  int64_t timeouts = 0;         // Acquire calls that hit pool_timeout
};

// SQLAlchemy's QueuePool for libpq connections:
//  - at most pool_size connections are kept idle (0: no limit), and at most
//    pool_size + max_overflow are open at once (max_overflow -1: no limit);
//  - Acquire lends an idle connection, else opens one when under the limit,
//    else waits up to pool_timeout for one to come back, then returns
//    ResourceExhausted;
//  - pool_pre_ping checks an idle connection with a round trip before
//    lending it and replaces it when dead; pool_recycle replaces a
//    connection older than that many seconds;
//  - a connection that comes back broken (socket lost, server ended the
//    session, rollback failed) is closed, never lent again.
// Connections are opened and closed outside the pool's lock.
//
// Thread-safe. Every lease must end before the pool is destroyed.
class PostgresPool : public sql::SqlConnectionSource {
 public:
  using Factory =
      std::function<absl::StatusOr<std::unique_ptr<PostgresConnection>>()>;

  PostgresPool(Factory factory, const PoolOptions& options);
  // A pool of connections to `params`.
  PostgresPool(const PostgresConnectParams& params, const PoolOptions& options);
  ~PostgresPool() override;

  PostgresPool(const PostgresPool&) = delete;
  PostgresPool& operator=(const PostgresPool&) = delete;

  // A connection for the caller's exclusive use until the lease ends.
  // ResourceExhausted when pool_size + max_overflow connections stayed lent
  // for pool_timeout; the connection's own error (Unavailable, usually) when
  // opening a new one fails.
  absl::StatusOr<sql::SqlConnectionLease> Acquire() override;

  PoolCounters counters() const;

 private:
  struct Slot {
    std::unique_ptr<PostgresConnection> connection;
    bool lent = false;
  };

  void Release(sql::SqlConnection* connection, bool healthy) override;

  // True when a connection may be lent now or a new one opened.
  bool CanProceed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool UnderOpenLimit() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes `connection` from open_ and returns it, for closing after the
  // lock is left.
  std::unique_ptr<PostgresConnection> TakeOut(PostgresConnection* connection)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Opens a connection for a slot already counted in opening_, and lends
  // it.
  absl::StatusOr<sql::SqlConnectionLease> OpenAndLend();
  bool Expired(const PostgresConnection& connection) const;

  // Constant after construction.
  const Factory factory_;
  const PoolOptions options_;

  mutable absl::Mutex mu_;
  std::vector<Slot> open_ ABSL_GUARDED_BY(mu_);
  // Idle connections, oldest return first (SQLAlchemy's FIFO order).
  std::deque<PostgresConnection*> idle_ ABSL_GUARDED_BY(mu_);
  // Connections being opened outside the lock, counted against the limit.
  int opening_ ABSL_GUARDED_BY(mu_) = 0;
  PoolCounters totals_ ABSL_GUARDED_BY(mu_);
};

}  // namespace postgres
}  // namespace parley

#endif  // PARLEY_BACKENDS_POSTGRES_POSTGRES_POOL_H_
