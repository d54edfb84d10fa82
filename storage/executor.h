// A bounded thread pool for storage calls: a fixed number of threads, a
// bounded queue that refuses work at once rather than blocking the caller,
// and an optional serialized writer lane.
//
//   Executor executor(options);
//   absl::Status queued = executor.Submit(Executor::Lane::kRead, [] { ... });
//   if (!queued.ok()) ...  // ResourceExhausted: the queue is full
//
// Lanes: every task goes to the read lane (a pool of `workers` threads)
// unless it is submitted to kWrite and the executor has a writer lane, in
// which case one dedicated thread runs the write tasks one at a time, in the
// order they were submitted. A store that admits one writer at a time
// (BackendTraits::serialized_writes) is spared busy-waiting on its lock by
// funnelling writes through one thread; stores that lock per record or per
// row are better served by the plain pool.
//
// Thread safety: every method may be called from any thread, concurrently.
// Tasks run on the executor's threads; a task may Submit more tasks.
#ifndef PARLEY_STORAGE_EXECUTOR_H_
#define PARLEY_STORAGE_EXECUTOR_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace parley {

// A plain struct: copy it, change what you need.
struct ExecutorOptions {
  // Threads of the read lane (which also runs writes when there is no writer
  // lane). Default 4. More threads overlap more waiting on I/O but cost a
  // stack each and contend for the store's locks. Values below 1 mean 1.
  int workers = 4;
  // Tasks that may wait for a thread, over all lanes (running tasks do not
  // count). Default 1024. Submit beyond it fails with ResourceExhausted, so
  // that a caller sheds load instead of queueing without bound. Values below
  // 1 mean 1.
  int max_queued = 1024;
  // Adds one thread that runs every kWrite task, one at a time, in
  // submission order. Default false (kWrite tasks share the read lane).
  bool serialized_writer_lane = false;
};

class Executor {
 public:
  enum class Lane {
    kRead,   // the pool
    kWrite,  // the writer lane when there is one, else the pool
  };

  // Called instead of the task when it is cancelled; see Shutdown.
  using CancelFn = absl::AnyInvocable<void(absl::Status)>;

  // Starts the threads.
  explicit Executor(const ExecutorOptions& options = ExecutorOptions());

  // Shutdown(/*drain=*/true): runs every queued task, then joins the
  // threads. REQUIRES: not called from one of this executor's tasks.
  ~Executor();

  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues `task` on `lane` and returns at once, never waiting for room:
  //   OK                  `task` will run exactly once on an executor thread,
  //                       unless Shutdown(false) cancels it first, in which
  //                       case `on_cancel` (when given) runs instead.
  //   ResourceExhausted   max_queued tasks are already waiting.
  //   FailedPrecondition  Shutdown has begun.
  // On an error neither `task` nor `on_cancel` ever runs (both are
  // destroyed before Submit returns).
  absl::Status Submit(Lane lane, absl::AnyInvocable<void()> task,
                      CancelFn on_cancel = nullptr);

  // Stops accepting tasks (Submit then returns FailedPrecondition) and
  // waits for the threads to finish:
  //   drain = true   every queued task still runs;
  //   drain = false  queued tasks do not run: each one's `on_cancel` runs on
  //                  this thread with Cancelled "storage shut down before the
  //                  call ran". Running tasks finish either way.
  // Safe to call more than once and from several threads; each call returns
  // once the threads are joined, except a call made from one of this
  // executor's own tasks, which does not wait (it cannot wait for itself).
  void Shutdown(bool drain);

  // Tasks waiting for a thread, over all lanes.
  int queued() const;

 private:
  struct Queued {
    absl::AnyInvocable<void()> task;
    CancelFn on_cancel;
  };

  // The body of each thread: runs tasks from `queue` until shutdown has
  // begun and `queue` is empty.
  void Work(std::deque<Queued>* queue);
  bool OnWorkerThread() const;

  // Constant after construction.
  const int max_queued_;
  const bool writer_lane_;
  std::vector<std::thread> threads_;

  mutable absl::Mutex mu_;
  std::deque<Queued> reads_ ABSL_GUARDED_BY(mu_);
  std::deque<Queued> writes_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Set by the one Shutdown call that joins the threads, once it has.
  bool joining_ ABSL_GUARDED_BY(mu_) = false;
  bool joined_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace parley

#endif  // PARLEY_STORAGE_EXECUTOR_H_
