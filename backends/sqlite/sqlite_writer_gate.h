// One writer at a time per SQLite database file inside this process, in the
// order they arrived.
//
// SQLite admits one writer per database. Without this, the threads of one
// process that all want to write fight for the file lock through
// busy_timeout sleeps and retries: whoever polls at the right moment wins,
// the others sleep again, and throughput collapses as threads are added
// (W=64 wrote 17-40x slower than W=1). With it, they queue on a ticket lock
// and take BEGIN IMMEDIATE in turn; busy waits and retries are left for
// other processes writing the same file.
#ifndef PARLEY_BACKENDS_SQLITE_SQLITE_WRITER_GATE_H_
#define PARLEY_BACKENDS_SQLITE_SQLITE_WRITER_GATE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace parley {
namespace sqlite {

class WriterGate {
 public:
  // The gate of the database file at `path` (every Storage of this process
  // on that file shares it). The file need not exist yet.
  static std::shared_ptr<WriterGate> ForFile(const std::string& path);

  // Waits for this caller's turn: first come, first served.
  void Enter();
  // Ends the current writer's turn. REQUIRES: Enter() returned.
  void Leave();

 private:
  struct Waiter {
    const WriterGate* gate;
    uint64_t ticket;
  };
  static bool IsTurn(Waiter* waiter) ABSL_NO_THREAD_SAFETY_ANALYSIS;

  absl::Mutex mu_;
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t serving_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sqlite
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQLITE_SQLITE_WRITER_GATE_H_
