#include "backends/sql/sql_pool.h"

#include <algorithm>
#include <functional>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace parley {
namespace sql {
namespace {

// The slot this thread looks at first: the one it took its last connection
// from (any pool; a wrong guess only costs a scan), spread by thread id at
// first.
size_t& SlotHint() {
  thread_local size_t hint =
      std::hash<std::thread::id>()(std::this_thread::get_id());
  return hint;
}

}  // namespace

SqlConnectionPool::SqlConnectionPool(SqlConnectionFactory factory,
                                     int max_connections,
                                     absl::Duration timeout)
    : factory_(std::move(factory)),
      max_connections_(std::max(1, max_connections)),
      timeout_(timeout),
      num_slots_(std::min(static_cast<size_t>(max_connections_), kMaxSlots)),
      slots_(new std::atomic<SqlConnection*>[num_slots_]) {
  for (size_t i = 0; i < num_slots_; ++i) slots_[i].store(nullptr);
}

SqlConnectionPool::~SqlConnectionPool() = default;

SqlConnection* SqlConnectionPool::TakeIdle() {
  size_t& hint = SlotHint();
  for (size_t n = 0; n < num_slots_; ++n) {
    const size_t i = (hint + n) % num_slots_;
    if (slots_[i].load(std::memory_order_relaxed) == nullptr) continue;
    if (SqlConnection* c = slots_[i].exchange(nullptr)) {
      hint = i;
      return c;
    }
  }
  return nullptr;
}

bool SqlConnectionPool::PutIdle(SqlConnection* connection) {
  const size_t hint = SlotHint();
  for (size_t n = 0; n < num_slots_; ++n) {
    const size_t i = (hint + n) % num_slots_;
    SqlConnection* expected = nullptr;
    if (slots_[i].compare_exchange_strong(expected, connection)) return true;
  }
  return false;
}

bool SqlConnectionPool::AnyIdle() const {
  for (size_t i = 0; i < num_slots_; ++i) {
    if (slots_[i].load() != nullptr) return true;
  }
  return false;
}

absl::StatusOr<SqlConnectionLease> SqlConnectionPool::Acquire() {
  if (SqlConnection* c = TakeIdle()) return MakeLease(c);
  const absl::Time deadline = absl::Now() + timeout_;
  {
    absl::MutexLock lock(&mu_);
    const auto can_proceed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_overflow_.empty() || AnyIdle() ||
             static_cast<int>(open_.size()) + opening_ < max_connections_;
    };
    while (true) {
      // Counted before the condition is checked, and a connection put in a
      // slot before the count is read: with both sequentially consistent,
      // either the waiter sees the connection or the releaser sees the
      // waiter (and wakes it through the mutex).
      waiters_.fetch_add(1);
      const bool ready =
          mu_.AwaitWithDeadline(absl::Condition(&can_proceed), deadline);
      waiters_.fetch_sub(1);
      if (!ready) {
        return absl::ResourceExhaustedError(
            absl::StrCat("connection pool: no connection free within ",
                         absl::FormatDuration(timeout_), " (",
                         max_connections_, " in use)"));
      }
      if (!idle_overflow_.empty()) {
        SqlConnection* connection = idle_overflow_.back();
        idle_overflow_.pop_back();
        return MakeLease(connection);
      }
      if (SqlConnection* c = TakeIdle()) return MakeLease(c);
      if (static_cast<int>(open_.size()) + opening_ < max_connections_) break;
      // Another thread took the idle connection first: wait again.
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
  if (healthy && PutIdle(connection)) {
    // Wake a waiter (absl::Mutex checks waiters' conditions on unlock).
    if (waiters_.load() > 0) {
      absl::MutexLock lock(&mu_);
    }
    return;
  }
  std::unique_ptr<SqlConnection> closing;  // closed after the lock is left
  absl::MutexLock lock(&mu_);
  if (healthy) {
    idle_overflow_.push_back(connection);
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
