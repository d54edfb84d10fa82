#include "backends/json/json_lock.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "storage/posix_error.h"

namespace parley {
namespace json_backend {

LockGuard::LockGuard(LockGuard&& other) noexcept
    : lock_(std::exchange(other.lock_, nullptr)), stripe_(other.stripe_) {}

LockGuard& LockGuard::operator=(LockGuard&& other) noexcept {
  if (this != &other) {
    Release();
    lock_ = std::exchange(other.lock_, nullptr);
    stripe_ = other.stripe_;
  }
  return *this;
}

LockGuard::~LockGuard() { Release(); }

void LockGuard::Release() {
  if (lock_ != nullptr) std::exchange(lock_, nullptr)->Unlock(stripe_);
}

StoreLock::StoreLock(std::string lock_path)
    : lock_path_(std::move(lock_path)) {}

StoreLock::~StoreLock() {
  absl::MutexLock lock(&fd_mu_);
  if (fd_ >= 0) ::close(fd_);
}

int StoreLock::StripeOf(absl::string_view kind, absl::string_view id) {
  uint64_t hash = 14695981039346656037ull;
  auto mix = [&hash](absl::string_view text) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
  };
  mix(kind);
  mix(absl::string_view("\0", 1));
  mix(id);
  return static_cast<int>(hash % kStripes);
}

absl::StatusOr<int> StoreLock::Descriptor() {
  absl::MutexLock lock(&fd_mu_);
  if (fd_ < 0) {
    int fd;
    do {
      fd = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return PosixError("open lock file .parley.lock", errno);
    fd_ = fd;
  }
  return fd_;
}

absl::Status StoreLock::FileLock(int fd, int stripe, bool lock) {
  struct flock request = {};
  request.l_type = lock ? F_WRLCK : F_UNLCK;
  request.l_whence = SEEK_SET;
  // A length of 0 reaches past any end of file: the whole store.
  request.l_start = stripe == LockGuard::kWholeStore ? 0 : stripe;
  request.l_len = stripe == LockGuard::kWholeStore ? 0 : 1;
  while (::fcntl(fd, lock ? F_OFD_SETLKW : F_OFD_SETLK, &request) != 0) {
    if (errno == EINTR) continue;
    return PosixError(lock ? "lock .parley.lock" : "unlock .parley.lock",
                      errno);
  }
  return absl::OkStatus();
}

// The absl mutexes are taken here and released in Unlock, across function
// boundaries the thread-safety analysis cannot follow.
absl::StatusOr<LockGuard> StoreLock::LockRecord(absl::string_view kind,
                                                absl::string_view id)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  absl::StatusOr<int> fd = Descriptor();
  if (!fd.ok()) return fd.status();
  const int stripe = StripeOf(kind, id);
  store_mu_.ReaderLock();
  stripes_[stripe].Lock();
  absl::Status locked = FileLock(*fd, stripe, /*lock=*/true);
  if (!locked.ok()) {
    stripes_[stripe].Unlock();
    store_mu_.ReaderUnlock();
    return locked;
  }
  return LockGuard(this, stripe);
}

absl::StatusOr<LockGuard> StoreLock::LockStore()
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  absl::StatusOr<int> fd = Descriptor();
  if (!fd.ok()) return fd.status();
  store_mu_.WriterLock();
  absl::Status locked = FileLock(*fd, LockGuard::kWholeStore, /*lock=*/true);
  if (!locked.ok()) {
    store_mu_.WriterUnlock();
    return locked;
  }
  return LockGuard(this, LockGuard::kWholeStore);
}

void StoreLock::Unlock(int stripe) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  int fd;
  {
    absl::MutexLock lock(&fd_mu_);
    fd = fd_;
  }
  // Unlocking cannot fail for a valid descriptor and range; if it did, the
  // descriptor would be unusable anyway and the lock goes with it at close.
  FileLock(fd, stripe, /*lock=*/false).IgnoreError();
  if (stripe == LockGuard::kWholeStore) {
    store_mu_.WriterUnlock();
  } else {
    stripes_[stripe].Unlock();
    store_mu_.ReaderUnlock();
  }
}

}  // namespace json_backend
}  // namespace parley
