#include "backends/sql/sql_pool.h"

#include <algorithm>
#include <climits>
#include <functional>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
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

int KeepIdle(const PoolOptions& options, Overflow overflow) {
  if (overflow == Overflow::kClose) return options.pool_size;
  const int most = options.max_connections();
  return most == INT_MAX ? 0 : most;
}

// kSameThreadFirst's slots: one for each connection that may be kept idle,
// up to kMaxSlots; none for kOldestFirst.
constexpr size_t kMaxSlots = 256;
size_t NumSlots(int keep_idle, IdleOrder order) {
  if (order != IdleOrder::kSameThreadFirst) return 0;
  if (keep_idle == 0) return kMaxSlots;
  return std::min(static_cast<size_t>(keep_idle), kMaxSlots);
}

}  // namespace

SqlConnectionPool::SqlConnectionPool(SqlConnectionFactory factory,
                                     const PoolOptions& options,
                                     IdleOrder order, Overflow overflow)
    : factory_(std::move(factory)),
      options_(options),
      keep_idle_(KeepIdle(options, overflow)),
      num_slots_(NumSlots(keep_idle_, order)),
      slots_(new std::atomic<SqlConnection*>[num_slots_]) {
  for (size_t i = 0; i < num_slots_; ++i) slots_[i].store(nullptr);
}

SqlConnectionPool::~SqlConnectionPool() = default;

SqlConnection* SqlConnectionPool::TakeIdle() {
  if (num_slots_ == 0) return nullptr;
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
  if (num_slots_ == 0) return false;
  const size_t hint = SlotHint();
  for (size_t n = 0; n < num_slots_; ++n) {
    const size_t i = (hint + n) % num_slots_;
    SqlConnection* expected = nullptr;
    if (slots_[i].compare_exchange_strong(expected, connection)) return true;
  }
  return false;
}

int SqlConnectionPool::SlotsInUse() const {
  int in_use = 0;
  for (size_t i = 0; i < num_slots_; ++i) {
    if (slots_[i].load() != nullptr) ++in_use;
  }
  return in_use;
}

bool SqlConnectionPool::UnderOpenLimit() const {
  return static_cast<int>(open_.size()) + opening_ < options_.max_connections();
}

bool SqlConnectionPool::Expired(SqlConnection* connection) const {
  if (options_.pool_recycle_s < 0) return false;
  for (const Open& open : open_) {
    if (open.connection.get() == connection) {
      return absl::Now() - open.opened_at >
             absl::Seconds(options_.pool_recycle_s);
    }
  }
  return false;
}

std::unique_ptr<SqlConnection> SqlConnectionPool::TakeOut(
    SqlConnection* connection) {
  for (auto it = open_.begin(); it != open_.end(); ++it) {
    if (it->connection.get() == connection) {
      std::unique_ptr<SqlConnection> taken = std::move(it->connection);
      open_.erase(it);
      return taken;
    }
  }
  return nullptr;
}

absl::StatusOr<SqlConnectionLease> SqlConnectionPool::Acquire() {
  if (SqlConnection* c = TakeIdle()) return CheckAndLend(c);
  const absl::Time deadline =
      absl::Now() + absl::Seconds(options_.pool_timeout_s);
  SqlConnection* candidate = nullptr;
  {
    absl::MutexLock lock(&mu_);
    const auto can_proceed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || SlotsInUse() > 0 || UnderOpenLimit();
    };
    while (candidate == nullptr) {
      // Counted before the condition is checked, and a connection put in a
      // slot before the count is read: with both sequentially consistent,
      // either the waiter sees the connection or the releaser sees the
      // waiter (and wakes it through the mutex).
      waiters_.fetch_add(1);
      const bool ready =
          mu_.AwaitWithDeadline(absl::Condition(&can_proceed), deadline);
      waiters_.fetch_sub(1);
      if (!ready) {
        ++totals_.timeouts;
        const int in_use = static_cast<int>(open_.size()) + opening_;
        const int base = std::min(in_use, options_.pool_size);
        return absl::ResourceExhaustedError(absl::StrFormat(
            "connection pool exhausted: %d connections + %d overflow in use "
            "for %g s (pool_size=%d, max_overflow=%d)",
            base, in_use - base, options_.pool_timeout_s, options_.pool_size,
            options_.max_overflow));
      }
      if (!idle_.empty()) {
        candidate = idle_.front();
        idle_.pop_front();
      } else if ((candidate = TakeIdle()) == nullptr && UnderOpenLimit()) {
        ++opening_;
        break;
      }
      // Else another thread took the idle connection first: wait again.
    }
  }
  if (candidate == nullptr) return OpenAndLend();
  return CheckAndLend(candidate);
}

absl::StatusOr<SqlConnectionLease> SqlConnectionPool::CheckAndLend(
    SqlConnection* candidate) {
  // The checks may take a round trip: outside the lock (but for reading the
  // opening time), on a connection no one else can see.
  bool dead = candidate->IsBroken();
  bool recycle = false;
  if (!dead && options_.pool_recycle_s >= 0) {
    absl::MutexLock lock(&mu_);
    recycle = Expired(candidate);
  }
  if (!dead && !recycle && options_.pool_pre_ping) {
    dead = !candidate->Ping().ok();
  }
  if (!dead && !recycle) return MakeLease(candidate);
  // Replace it: its place in the limit goes straight to the replacement, so
  // no other caller can take it meanwhile.
  std::unique_ptr<SqlConnection> closing;
  {
    absl::MutexLock lock(&mu_);
    closing = TakeOut(candidate);
    ++(dead ? totals_.discarded : totals_.recycled);
    ++opening_;
  }
  closing.reset();
  return OpenAndLend();
}

absl::StatusOr<SqlConnectionLease> SqlConnectionPool::OpenAndLend() {
  // Opening may take a while (a file lock; TCP, TLS and authentication
  // round trips): never under the lock.
  absl::StatusOr<std::unique_ptr<SqlConnection>> opened = factory_();
  const absl::Time opened_at = absl::Now();
  absl::MutexLock lock(&mu_);
  --opening_;
  if (!opened.ok()) return opened.status();
  ++totals_.opened;
  SqlConnection* connection = opened->get();
  open_.push_back(Open{*std::move(opened), opened_at});
  return MakeLease(connection);
}

void SqlConnectionPool::Release(SqlConnection* connection, bool healthy) {
  const bool broken =
      !healthy || connection->IsBroken() || connection->InTransaction();
  const bool recycling = options_.pool_recycle_s >= 0;
  if (!broken && !recycling && PutIdle(connection)) {
    // Wake a waiter (absl::Mutex checks waiters' conditions on unlock).
    if (waiters_.load() > 0) {
      absl::MutexLock lock(&mu_);
    }
    return;
  }
  std::unique_ptr<SqlConnection> closing;  // closed after the lock is left
  absl::MutexLock lock(&mu_);
  if (broken) {
    ++totals_.discarded;
    closing = TakeOut(connection);
  } else if (Expired(connection)) {
    ++totals_.recycled;
    closing = TakeOut(connection);
  } else if (recycling && PutIdle(connection)) {
    // Idle in a slot; the unlock wakes a waiter.
  } else if (keep_idle_ > 0 &&
             idle_.size() + num_slots_ >= static_cast<size_t>(keep_idle_)) {
    // Every slot is taken (PutIdle failed) and idle_ holds the rest:
    // as many connections as may be kept are idle already.
    ++totals_.closed_overflow;
    closing = TakeOut(connection);
  } else {
    idle_.push_back(connection);
  }
}

PoolCounters SqlConnectionPool::counters() const {
  absl::MutexLock lock(&mu_);
  PoolCounters counters = totals_;
  counters.open = static_cast<int>(open_.size());
  // Slots change without the lock: a connection moving between slots could
  // be counted twice.
  counters.idle =
      std::min(counters.open, static_cast<int>(idle_.size()) + SlotsInUse());
  counters.lent = counters.open - counters.idle;
  counters.opening = opening_;
  return counters;
}

}  // namespace sql
}  // namespace parley
