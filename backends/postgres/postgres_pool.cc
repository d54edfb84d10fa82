#include "backends/postgres/postgres_pool.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace parley {
namespace postgres {

PostgresPool::PostgresPool(Factory factory, const PoolOptions& options)
    : factory_(std::move(factory)), options_(options) {}

PostgresPool::PostgresPool(const PostgresConnectParams& params,
                           const PoolOptions& options)
    : PostgresPool(
          [params]() -> absl::StatusOr<std::unique_ptr<PostgresConnection>> {
            return PostgresConnection::Open(params);
          },
          options) {}

PostgresPool::~PostgresPool() = default;

bool PostgresPool::UnderOpenLimit() const {
  return static_cast<int>(open_.size()) + opening_ <
         options_.max_connections();
}

bool PostgresPool::CanProceed() const {
  return !idle_.empty() || UnderOpenLimit();
}

bool PostgresPool::Expired(const PostgresConnection& connection) const {
  return options_.pool_recycle_s >= 0 &&
         absl::Now() - connection.opened_at() >
             absl::Seconds(options_.pool_recycle_s);
}

std::unique_ptr<PostgresConnection> PostgresPool::TakeOut(
    PostgresConnection* connection) {
  for (auto it = open_.begin(); it != open_.end(); ++it) {
    if (it->connection.get() == connection) {
      std::unique_ptr<PostgresConnection> taken = std::move(it->connection);
      open_.erase(it);
      return taken;
    }
  }
  return nullptr;
}

absl::StatusOr<sql::SqlConnectionLease> PostgresPool::Acquire() {
  const absl::Time deadline =
      absl::Now() + absl::Seconds(options_.pool_timeout_s);
  PostgresConnection* candidate = nullptr;
  {
    absl::MutexLock lock(&mu_);
    const auto can_proceed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return CanProceed();
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&can_proceed), deadline)) {
      ++totals_.timeouts;
      const int in_use = static_cast<int>(open_.size()) + opening_;
      const int base = std::min(in_use, options_.pool_size);
      return absl::ResourceExhaustedError(absl::StrFormat(
          "connection pool exhausted: %d connections + %d overflow in use "
          "for %g s (pool_size=%d, max_overflow=%d)",
          base, in_use - base, options_.pool_timeout_s, options_.pool_size,
          options_.max_overflow));
    }
    if (idle_.empty()) {
      ++opening_;
    } else {
      candidate = idle_.front();
      idle_.pop_front();
      for (Slot& slot : open_) {
        if (slot.connection.get() == candidate) slot.lent = true;
      }
    }
  }
  if (candidate == nullptr) return OpenAndLend();

  // The checks below may take a round trip: outside the lock, on a
  // connection no one else can see.
  bool recycle = false;
  bool dead = candidate->IsBroken();
  if (!dead && Expired(*candidate)) {
    recycle = true;
  } else if (!dead && options_.pool_pre_ping) {
    dead = !candidate->Ping().ok();
  }
  if (!dead && !recycle) return MakeLease(candidate);
  // Replace it: its place in the limit goes straight to the replacement, so
  // no other caller can take it meanwhile.
  std::unique_ptr<PostgresConnection> closing;
  {
    absl::MutexLock lock(&mu_);
    closing = TakeOut(candidate);
    ++(dead ? totals_.discarded : totals_.recycled);
    ++opening_;
  }
  closing.reset();
  return OpenAndLend();
}

absl::StatusOr<sql::SqlConnectionLease> PostgresPool::OpenAndLend() {
  // Connecting takes round trips (TCP, TLS, authentication): never under
  // the lock.
  absl::StatusOr<std::unique_ptr<PostgresConnection>> opened = factory_();
  absl::MutexLock lock(&mu_);
  --opening_;
  if (!opened.ok()) return opened.status();
  ++totals_.opened;
  PostgresConnection* connection = opened->get();
  open_.push_back(Slot{*std::move(opened), /*lent=*/true});
  return MakeLease(connection);
}

void PostgresPool::Release(sql::SqlConnection* released, bool healthy) {
  // Every connection this pool lends is a PostgresConnection.
  auto* connection = static_cast<PostgresConnection*>(released);
  std::unique_ptr<PostgresConnection> closing;  // closed after the lock
  {
    absl::MutexLock lock(&mu_);
    if (!healthy || connection->IsBroken() || connection->InTransaction()) {
      ++totals_.discarded;
      closing = TakeOut(connection);
    } else if (Expired(*connection)) {
      ++totals_.recycled;
      closing = TakeOut(connection);
    } else if (options_.pool_size > 0 &&
               static_cast<int>(idle_.size()) >= options_.pool_size) {
      ++totals_.closed_overflow;
      closing = TakeOut(connection);
    } else {
      for (Slot& slot : open_) {
        if (slot.connection.get() == connection) slot.lent = false;
      }
      idle_.push_back(connection);
    }
  }
}

PoolCounters PostgresPool::counters() const {
  absl::MutexLock lock(&mu_);
  PoolCounters counters = totals_;
  counters.open = static_cast<int>(open_.size());
  counters.idle = static_cast<int>(idle_.size());
  counters.lent = 0;
  for (const Slot& slot : open_) {
    if (slot.lent) ++counters.lent;
  }
  counters.opening = opening_;
  return counters;
}

}  // namespace postgres
}  // namespace parley
