#include "backends/sql/sql_pool.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace parley {
namespace sql {

SqlConnectionPool::SqlConnectionPool(SqlConnectionFactory factory,
                                     int max_connections,
                                     absl::Duration timeout)
    : factory_(std::move(factory)),
      max_connections_(std::max(1, max_connections)),
      timeout_(timeout) {}

SqlConnectionPool::~SqlConnectionPool() = default;

absl::StatusOr<SqlConnectionLease> SqlConnectionPool::Acquire() {
  const absl::Time deadline = absl::Now() + timeout_;
  {
    absl::MutexLock lock(&mu_);
    const auto can_proceed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() ||
             static_cast<int>(open_.size()) + opening_ < max_connections_;
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&can_proceed), deadline)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "connection pool: no connection free within ",
          absl::FormatDuration(timeout_), " (", max_connections_, " in use)"));
    }
    if (!idle_.empty()) {
      SqlConnection* connection = idle_.back();
      idle_.pop_back();
      return MakeLease(connection);
    }
    ++opening_;
  }
  // Opening may take a while (a file lock, a network round trip): not under
  // the lock.
  absl::StatusOr<std::unique_ptr<SqlConnection>> opened = factory_();
  absl::MutexLock lock(&mu_);
  --opening_;
  if (!opened.ok()) return opened.status();
  SqlConnection* connection = opened->get();
  open_.push_back(*std::move(opened));
  return MakeLease(connection);
}

void SqlConnectionPool::Release(SqlConnection* connection, bool healthy) {
  std::unique_ptr<SqlConnection> closing;  // closed after the lock is left
  absl::MutexLock lock(&mu_);
  if (healthy) {
    idle_.push_back(connection);
    return;
  }
  for (auto it = open_.begin(); it != open_.end(); ++it) {
    if (it->get() == connection) {
      closing = std::move(*it);
      open_.erase(it);
      break;
    }
  }
}

}  // namespace sql
}  // namespace parley
