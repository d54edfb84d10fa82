// Write transactions of many threads committed together (group commit).
//
// A database that admits one writer at a time (SQLite) pays one commit, and
// with synchronous=FULL one fsync, per write transaction. When many threads
// write at once they queue for that writer, and the last of 64 waits for
// 63 fsyncs: the latency of a write grows with the number of writers.
// GroupCommit lets the first writer in the queue (the leader) run the
// writes queued behind it too, on its connection, inside its transaction,
// each in a savepoint of its own, and commit them all at once, as LevelDB's
// writer queue does. Each writer's function runs exactly as it would alone
// (it sees the writes before it), and its result is its own: a write that
// fails is rolled back to its savepoint without touching the others.
//
//   GroupCommit group;
//   absl::Status s = group.Run(source, [&](SqlConnection& c) { ... });
//
// Thread-safe. The functions run on the leader's thread; the caller of each
// waits until its function has run and the group's commit has ended.
#ifndef PARLEY_BACKENDS_SQL_GROUP_COMMIT_H_
#define PARLEY_BACKENDS_SQL_GROUP_COMMIT_H_

#include <cstddef>
#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "backends/sql/sql_connection.h"

namespace parley {
namespace sql {

class GroupCommit {
 public:
  using Write = absl::FunctionRef<absl::Status(SqlConnection&)>;

  // At most `max_group` writes share a transaction: the leader's latency
  // grows with the group, so the group is bounded.
  explicit GroupCommit(size_t max_group = 64) : max_group_(max_group) {}
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Runs `write` in a write transaction on a connection from `source`,
  // possibly together with other callers' writes, and commits it. Returns
  // `write`'s own error (its changes undone), or the error of taking the
  // connection, beginning or committing (nothing of `write` applied).
  // A retryable error (sql::IsRetryable) means `write` may be run again.
  // REQUIRES: every caller passes the same `source`.
  absl::Status Run(SqlConnectionSource& source, Write write);

  // Callers waiting in Run, the one running its group included (for tests).
  size_t waiting() const;

 private:
  struct Writer {
    explicit Writer(Write write) : write(write) {}
    Write write;
    absl::Status status;
    bool done = false;
  };

  // Run by the writer at the queue's front: takes a connection, begins,
  // then takes the writers queued by then (itself first) as its group, runs
  // them in one transaction and sets each one's status. Returns the group.
  std::deque<Writer*> Lead(SqlConnectionSource& source);
  static void RunGroup(SqlConnection& c, const std::deque<Writer*>& group);

  const size_t max_group_;
  mutable absl::Mutex mu_;
  // Writers waiting, in arrival order; the front one leads the next group.
  std::deque<Writer*> queue_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_GROUP_COMMIT_H_
