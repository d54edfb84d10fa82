#include "backends/sql/sql_connection.h"

#include <utility>

namespace parley {
namespace sql {

SqlConnectionLease& SqlConnectionLease::operator=(
    SqlConnectionLease&& other) noexcept {
  if (this != &other) {
    GiveBack();
    connection_ = std::exchange(other.connection_, nullptr);
    source_ = std::exchange(other.source_, nullptr);
  }
  return *this;
}

void SqlConnectionLease::GiveBack() {
  if (connection_ == nullptr) return;
  bool healthy = !connection_->IsBroken();
  if (healthy && connection_->InTransaction()) {
    // The borrower returned early (an error path): nothing it did may
    // survive, and the next borrower must not inherit its transaction.
    healthy = connection_->Rollback().ok();
  }
  source_->Release(std::exchange(connection_, nullptr), healthy);
}

}  // namespace sql
}  // namespace parley
