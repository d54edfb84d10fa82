// Locks of a JSON store, across threads and across processes.
//
// Each record (kind, id) maps, by a hash that is the same in every process,
// to one of kStripes stripes. Locking a record takes, in this fixed order:
// the store mutex shared, the stripe's absl::Mutex, then an open-file-
// description lock (fcntl F_OFD_SETLKW) on the stripe's byte of
// `<root>/.parley.lock`. Locking the whole store takes the store mutex
// exclusively, then an OFD lock on the whole file. The absl mutexes are
// needed because OFD locks taken through the same descriptor never conflict
// with each other, and this process shares one descriptor among its threads;
// the OFD locks exclude other processes (and other StoreLock objects on the
// same store, which open their own descriptor). A holder never takes a
// second lock, so no cycle (deadlock) can form.
//
// Thread-safe.
#ifndef PARLEY_BACKENDS_JSON_JSON_LOCK_H_
#define PARLEY_BACKENDS_JSON_JSON_LOCK_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace parley {
namespace json_backend {

class StoreLock;

// Holds a lock until destroyed (or moved from). A default-constructed guard
// holds nothing.
class LockGuard {
 public:
  LockGuard() = default;
  LockGuard(LockGuard&& other) noexcept;
  LockGuard& operator=(LockGuard&& other) noexcept;
  ~LockGuard();

 private:
  friend class StoreLock;
  static constexpr int kWholeStore = -1;
  LockGuard(StoreLock* lock, int stripe) : lock_(lock), stripe_(stripe) {}
  void Release();

  StoreLock* lock_ = nullptr;
  int stripe_ = 0;
};

class StoreLock {
 public:
  static constexpr int kStripes = 1024;

  // `lock_path` is the lock file (created on first use, never removed).
  explicit StoreLock(std::string lock_path);
  ~StoreLock();
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

  // Blocks until this thread holds the lock of record (kind, id).
  // REQUIRES: the folder of the lock file exists; this thread holds no lock
  // of this store.
  absl::StatusOr<LockGuard> LockRecord(absl::string_view kind,
                                       absl::string_view id);

  // Blocks until this thread holds the whole store: no other thread or
  // process holds any record lock or the store lock.
  // REQUIRES: as LockRecord.
  absl::StatusOr<LockGuard> LockStore();

  // The stripe of (kind, id): FNV-1a, identical in every process (absl::Hash
  // is seeded per process and would not be).
  static int StripeOf(absl::string_view kind, absl::string_view id);

 private:
  friend class LockGuard;
  absl::StatusOr<int> Descriptor() ABSL_LOCKS_EXCLUDED(fd_mu_);
  absl::Status FileLock(int fd, int stripe, bool lock);
  void Unlock(int stripe);

  const std::string lock_path_;
  absl::Mutex store_mu_;
  absl::Mutex stripes_[kStripes];
  absl::Mutex fd_mu_;
  int fd_ ABSL_GUARDED_BY(fd_mu_) = -1;
};

}  // namespace json_backend
}  // namespace parley

#endif  // PARLEY_BACKENDS_JSON_JSON_LOCK_H_
