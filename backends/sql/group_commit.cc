#include "backends/sql/group_commit.h"

#include <algorithm>
#include <deque>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace parley {
namespace sql {

absl::Status GroupCommit::Run(SqlConnectionSource& source, Write write) {
  Writer self(write);
  {
    absl::MutexLock lock(&mu_);
    queue_.push_back(&self);
    const auto done_or_leading = [this,
                                  &self]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return self.done || queue_.front() == &self;
    };
    mu_.Await(absl::Condition(&done_or_leading));
    if (self.done) return self.status;
  }
  // The writers of the group stay at the queue's front while it runs, so a
  // writer arriving now waits for the next group.
  const std::deque<Writer*> group = Lead(source);
  absl::MutexLock lock(&mu_);
  for (Writer* writer : group) {
    queue_.pop_front();
    writer->done = true;
  }
  return self.status;
}

size_t GroupCommit::waiting() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

std::deque<GroupCommit::Writer*> GroupCommit::Lead(
    SqlConnectionSource& source) {
  // The group is taken only once the transaction is open, so that writers
  // arriving while the connection is taken and BEGIN waits for the lock
  // join it.
  absl::StatusOr<SqlConnectionLease> lease = source.Acquire();
  absl::Status begun =
      lease.ok() ? (*lease)->Begin(TransactionMode::kWrite) : lease.status();
  std::deque<Writer*> group;
  {
    absl::MutexLock lock(&mu_);
    const size_t n =
        begun.ok() ? std::min(queue_.size(), max_group_) : size_t{1};
    group.assign(queue_.begin(), queue_.begin() + n);
  }
  if (!begun.ok()) {
    // Only the leader fails; the writers behind it try for themselves.
    group.front()->status = begun;
    return group;
  }
  // On any return before Commit the lease rolls the transaction back as it
  // goes back.
  RunGroup(**lease, group);
  return group;
}

void GroupCommit::RunGroup(SqlConnection& c, const std::deque<Writer*>& group) {
  if (group.size() == 1) {
    // Alone: the transaction is the write's own, as without a group.
    Writer& writer = *group.front();
    writer.status = writer.write(c);
    if (writer.status.ok()) writer.status = c.Commit();
    return;
  }
  for (size_t i = 0; i < group.size(); ++i) {
    Writer& writer = *group[i];
    absl::Status savepoint = c.ExecuteScript("SAVEPOINT parley_group");
    if (savepoint.ok()) {
      writer.status = writer.write(c);
      if (!writer.status.ok() && c.InTransaction()) {
        savepoint = c.ExecuteScript("ROLLBACK TO parley_group");
      }
      if (savepoint.ok() && c.InTransaction()) {
        savepoint = c.ExecuteScript("RELEASE parley_group");
      }
    }
    if (savepoint.ok() && c.InTransaction()) continue;
    // The transaction is gone: the database rolled it back when this write
    // failed (SQLite does after a full disk or an I/O error), or a
    // savepoint statement failed. The writes before this one are lost with
    // it, and those after it never ran: each is to be run again. This
    // write keeps its own error.
    if (writer.status.ok()) writer.status = savepoint;
    const absl::Status rerun = MarkRetryable(absl::AbortedError(
        "group commit: the transaction shared with other writes was rolled "
        "back when one of them failed; nothing of this write was stored"));
    for (size_t j = 0; j < group.size(); ++j) {
      if (j != i && (j > i || group[j]->status.ok())) {
        group[j]->status = rerun;
      }
    }
    return;
  }
  const absl::Status committed = c.Commit();
  if (committed.ok()) return;
  // Nothing of the group was stored.
  for (Writer* writer : group) {
    if (writer->status.ok()) writer->status = committed;
  }
}

}  // namespace sql
}  // namespace parley
