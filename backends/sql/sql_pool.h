// The SQL backends' connection pool (SQLite and PostgreSQL), SQLAlchemy's
// QueuePool over any SqlConnection:
//  - at most pool_size connections are kept idle (0: no limit), and at most
//    pool_size + max_overflow are open at once (max_overflow -1: no limit);
//  - Acquire lends an idle connection, else opens one when under the limit,
//    else waits up to pool_timeout for one to come back, then returns
//    ResourceExhausted;
//  - pool_pre_ping checks an idle connection (SqlConnection::Ping) before
//    lending it and replaces it when dead; pool_recycle replaces a
//    connection older than that many seconds (the pool notes when it opened
//    each one);
//  - a connection that comes back broken (SqlConnection::IsBroken, still in
//    a transaction, or its rollback failed) is closed, never lent again; a
//    healthy one that finds pool_size already idle is closed too.
// Connections are opened, checked and closed outside the pool's lock.
//
// Idle order, chosen by the backend:
//  - IdleOrder::kOldestFirst (PostgreSQL): the connection given back
//    longest ago is lent first, SQLAlchemy's FIFO order, so every idle
//    connection is used, pinged and recycled in turn (after a server
//    restart, consecutive Acquire calls with pool_pre_ping replace the dead
//    idle connections one after another). The idle queue is under the
//    mutex, as a network round trip outweighs it.
//  - IdleOrder::kSameThreadFirst (SQLite): lending and giving back an idle
//    connection take no lock. Idle connections sit in a fixed array of
//    atomic slots, and each thread starts looking at the slot it used last
//    (so it mostly gets its own connection back, with its statements and
//    pages warm). A store called from many threads for short reads spent
//    more time convoying on one pool mutex (two lock handoffs per call) than
//    in SQLite. The mutex is taken only to open a connection, to wait when
//    none is free, to close one, and (with pool_recycle) to read when a
//    connection was opened.
#ifndef PARLEY_BACKENDS_SQL_SQL_POOL_H_
#define PARLEY_BACKENDS_SQL_SQL_POOL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/sql/pool_options.h"
#include "backends/sql/sql_connection.h"

namespace parley {
namespace sql {

using SqlConnectionFactory =
    std::function<absl::StatusOr<std::unique_ptr<SqlConnection>>()>;

// A snapshot of the pool's state, for tests.
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

enum class IdleOrder { kOldestFirst, kSameThreadFirst };

// What becomes of a healthy connection given back when pool_size are idle
// already: kClose (SQLAlchemy's QueuePool, PostgreSQL: a server connection
// is a process to keep), or kKeep (SQLite: a file connection costs little
// to keep and its page cache stays warm), so that up to pool_size +
// max_overflow stay open.
enum class Overflow { kClose, kKeep };

// Thread-safe. Every lease must end before the pool is destroyed.
class SqlConnectionPool : public SqlConnectionSource {
 public:
  SqlConnectionPool(SqlConnectionFactory factory, const PoolOptions& options,
                    IdleOrder order = IdleOrder::kOldestFirst,
                    Overflow overflow = Overflow::kClose);
  ~SqlConnectionPool() override;

  SqlConnectionPool(const SqlConnectionPool&) = delete;
  SqlConnectionPool& operator=(const SqlConnectionPool&) = delete;

  // A connection for the caller's exclusive use until the lease ends.
  // ResourceExhausted when pool_size + max_overflow connections stayed lent
  // for pool_timeout; the factory's own error (Unavailable, usually) when
  // opening a new one fails.
  absl::StatusOr<SqlConnectionLease> Acquire() override;

  // Exact when no call is running; approximate (but idle <= open) during
  // lock-free lending.
  PoolCounters counters() const;

 private:
  struct Open {
    std::unique_ptr<SqlConnection> connection;
    absl::Time opened_at;
  };

  void Release(SqlConnection* connection, bool healthy) override;

  bool UnderOpenLimit() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes `connection` from open_ and returns it, for closing after the
  // lock is left.
  std::unique_ptr<SqlConnection> TakeOut(SqlConnection* connection)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether `connection` is older than pool_recycle.
  bool Expired(SqlConnection* connection) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Lends `candidate`, just taken from the idle ones, unless it is broken,
  // expired or fails its pre-ping: then it is closed and a new connection
  // opened in its place.
  absl::StatusOr<SqlConnectionLease> CheckAndLend(SqlConnection* candidate);
  // Opens a connection for a place already counted in opening_, and lends
  // it.
  absl::StatusOr<SqlConnectionLease> OpenAndLend();

  // An idle connection from a slot, or null; no lock.
  SqlConnection* TakeIdle();
  // Puts `connection` in a free slot; false when every slot is taken.
  bool PutIdle(SqlConnection* connection);
  // How many slots hold an idle connection (a snapshot).
  int SlotsInUse() const;

  // Constant after construction.
  const SqlConnectionFactory factory_;
  const PoolOptions options_;
  // How many connections may be kept idle (0: no limit): pool_size, or with
  // Overflow::kKeep pool_size + max_overflow.
  const int keep_idle_;

  // kSameThreadFirst's idle connections, null where a slot is free: as many
  // slots as connections may be kept idle, up to 256 (beyond that, idle_
  // holds the rest). No slots with kOldestFirst.
  const size_t num_slots_;
  const std::unique_ptr<std::atomic<SqlConnection*>[]> slots_;
  // Threads waiting in Acquire: a connection given back to a slot while one
  // waits passes through the mutex to wake it.
  std::atomic<int> waiters_{0};

  mutable absl::Mutex mu_;
  // Every open connection, lent or idle.
  std::vector<Open> open_ ABSL_GUARDED_BY(mu_);
  // Idle connections not in a slot, oldest return first.
  std::deque<SqlConnection*> idle_ ABSL_GUARDED_BY(mu_);
  // Connections being opened outside the lock, counted against the limit.
  int opening_ ABSL_GUARDED_BY(mu_) = 0;
  PoolCounters totals_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_SQL_POOL_H_
