#include "storage/executor.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace parley {

Executor::Executor(const ExecutorOptions& options)
    : max_queued_(std::max(1, options.max_queued)),
      writer_lane_(options.serialized_writer_lane) {
  const int workers = std::max(1, options.workers);
  threads_.reserve(workers + (writer_lane_ ? 1 : 0));
  // The threads only touch the queues under mu_; taking their addresses
  // here needs no lock.
  for (int i = 0; i < workers; ++i) {
    threads_.emplace_back([this] { Work(&reads_); });
  }
  if (writer_lane_) threads_.emplace_back([this] { Work(&writes_); });
}

Executor::~Executor() { Shutdown(/*drain=*/true); }

absl::Status Executor::Submit(Lane lane, absl::AnyInvocable<void()> task,
                              CancelFn on_cancel) {
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    return absl::FailedPreconditionError(
        "storage shut down: no more calls are accepted");
  }
  const size_t waiting = reads_.size() + writes_.size();
  if (waiting >= static_cast<size_t>(max_queued_)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("storage call queue full (", max_queued_,
                     " calls waiting); retry later"));
  }
  std::deque<Queued>& queue =
      lane == Lane::kWrite && writer_lane_ ? writes_ : reads_;
  queue.push_back(Queued{std::move(task), std::move(on_cancel)});
  // absl::Mutex wakes the threads whose wait condition now holds.
  return absl::OkStatus();
}

void Executor::Work(std::deque<Queued>* queue) {
  const auto has_work_or_stopping = [this, queue]()
                                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                                          return !queue->empty() || stopping_;
                                        };
  while (true) {
    Queued next;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&has_work_or_stopping));
      if (queue->empty()) return;  // stopping, and nothing left to run
      next = std::move(queue->front());
      queue->pop_front();
    }
    // The cancel path is not needed once the task runs; release whatever
    // it holds before running the task.
    next.on_cancel = nullptr;
    std::move(next.task)();
  }
}

bool Executor::OnWorkerThread() const {
  const std::thread::id self = std::this_thread::get_id();
  return std::any_of(
      threads_.begin(), threads_.end(),
      [self](const std::thread& t) { return t.get_id() == self; });
}

void Executor::Shutdown(bool drain) {
  std::deque<Queued> cancelled;
  const bool on_worker = OnWorkerThread();
  bool join = false;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (!drain) {
      for (std::deque<Queued>* queue : {&reads_, &writes_}) {
        std::move(queue->begin(), queue->end(), std::back_inserter(cancelled));
        queue->clear();
      }
    }
    if (!on_worker && !joining_) {
      joining_ = true;
      join = true;
    }
  }
  // Outside the lock: a cancel callback may call Submit (and be refused).
  const absl::Status status =
      absl::CancelledError("storage shut down before the call ran");
  for (Queued& q : cancelled) {
    q.task = nullptr;
    if (q.on_cancel) std::move(q.on_cancel)(status);
  }
  cancelled.clear();
  if (on_worker) return;
  if (join) {
    for (std::thread& thread : threads_) thread.join();
    absl::MutexLock lock(&mu_);
    joined_ = true;
    return;
  }
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&joined_));
}

int Executor::queued() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(reads_.size() + writes_.size());
}

}  // namespace parley
