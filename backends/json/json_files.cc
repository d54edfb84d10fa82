#include "backends/json/json_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <ctime>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "backends/json/json_files_internal.h"
#include "storage/posix_error.h"
#include "storage/status_macros.h"

namespace parley {
namespace json_backend {
namespace {

int RealOpen(const char* path, int flags, mode_t mode) {
  return ::open(path, flags, mode);
}

constexpr FileOps kRealFileOps = {&RealOpen, &::write,  &::fsync, &::rename,
                                  &::link,   &::unlink, &::mkdir, &::rmdir};

// Every system call that creates, changes or removes a file goes through
// Ops(), the one place tests inject faults (json_files_internal.h).
std::atomic<const FileOps*> file_ops{&kRealFileOps};

const FileOps& Ops() { return *file_ops.load(std::memory_order_acquire); }

// Coarser than any file system's timestamp granularity we expect (ext4 and
// xfs stamp with the kernel's coarse clock, a few ms), with margin for the
// gap between NowNs() and the kernel's clock.
constexpr int64_t kRacyWindowNs = 50'000'000;

struct FdCloser {
  void operator()(int* fd) const {
    if (*fd >= 0) ::close(*fd);
    delete fd;
  }
};
using UniqueFd = std::unique_ptr<int, FdCloser>;

UniqueFd MakeFd(int fd) { return UniqueFd(new int(fd)); }

int OpenRetry(const char* path, int flags, mode_t mode = 0) {
  int fd;
  do {
    fd = Ops().open(path, flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

FileIdentity IdentityOf(const struct stat& st) {
  FileIdentity identity;
  identity.inode = static_cast<uint64_t>(st.st_ino);
  identity.size = static_cast<int64_t>(st.st_size);
  identity.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                      st.st_mtim.tv_nsec;
  return identity;
}

absl::Status SyncFolder(const std::string& folder) {
  UniqueFd fd = MakeFd(OpenRetry(folder.c_str(), O_RDONLY | O_DIRECTORY));
  if (*fd < 0) return PosixError(absl::StrCat("open folder ", folder), errno);
  if (Ops().fsync(*fd) != 0) {
    return PosixError(absl::StrCat("fsync folder ", folder), errno);
  }
  return absl::OkStatus();
}

std::string ParentOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// `folder`/<prefix><pid>-<counter>: unique across threads and processes.
std::string UniqueName(const std::string& folder, absl::string_view prefix) {
  static std::atomic<uint64_t> counter{0};
  return absl::StrCat(folder, "/", prefix, ::getpid(), "-",
                      counter.fetch_add(1, std::memory_order_relaxed));
}

absl::Status WriteAll(int fd, absl::string_view bytes,
                      absl::string_view display) {
  while (!bytes.empty()) {
    ssize_t n = Ops().write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return PosixError(absl::StrCat("write ", display), errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

const FileOps& RealFileOps() { return kRealFileOps; }

void SetFileOpsForTesting(const FileOps* ops) {
  static FileOps installed;
  if (ops == nullptr) {
    file_ops.store(&kRealFileOps, std::memory_order_release);
    return;
  }
  installed = *ops;
  file_ops.store(&installed, std::memory_order_release);
}

int64_t NowNs() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool IsRacy(const FileIdentity& identity, int64_t read_start_ns) {
  return identity.mtime_ns >= read_start_ns - kRacyWindowNs;
}

absl::StatusOr<std::optional<FileIdentity>> StatPath(
    const std::string& path, absl::string_view display) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    return PosixError(absl::StrCat("stat ", display), errno);
  }
  return IdentityOf(st);
}

absl::StatusOr<std::optional<FileContents>> ReadFileIfExists(
    const std::string& path, absl::string_view display) {
  UniqueFd fd = MakeFd(OpenRetry(path.c_str(), O_RDONLY));
  if (*fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    return PosixError(absl::StrCat("open ", display), errno);
  }
  struct stat st;
  if (::fstat(*fd, &st) != 0) {
    return PosixError(absl::StrCat("stat ", display), errno);
  }
  if (S_ISDIR(st.st_mode)) {
    return PosixError(absl::StrCat("read ", display), EISDIR);
  }
  FileContents contents;
  contents.identity = IdentityOf(st);
  contents.bytes.reserve(static_cast<size_t>(st.st_size));
  char buffer[64 * 1024];
  while (true) {
    ssize_t n = ::read(*fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      return PosixError(absl::StrCat("read ", display), errno);
    }
    if (n == 0) break;
    contents.bytes.append(buffer, static_cast<size_t>(n));
  }
  return contents;
}

absl::StatusOr<FileIdentity> WriteFileAtomically(const std::string& folder,
                                                 const std::string& name,
                                                 absl::string_view bytes,
                                                 bool sync,
                                                 absl::string_view display) {
  // The temporary name starts with '.' and does not end in ".json", so no
  // listing (ours or the original module's glob of *.json) ever counts it,
  // and it does not depend on the id's length (an id near NAME_MAX would
  // otherwise overflow it). pid + counter make it unique across threads
  // and processes; O_EXCL makes sure.
  const std::string target = absl::StrCat(folder, "/", name);
  const std::string temp = UniqueName(folder, ".parley-tmp-");
  UniqueFd fd = MakeFd(
      OpenRetry(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, 0666));
  if (*fd < 0) return PosixError(absl::StrCat("create ", display), errno);

  auto fail = [&temp](absl::Status status) {
    Ops().unlink(temp.c_str());
    return status;
  };
  absl::Status written = WriteAll(*fd, bytes, display);
  if (!written.ok()) return fail(written);
  struct stat old;
  if (::stat(target.c_str(), &old) == 0) {
    // Best effort: a file we cannot chmod keeps the default mode.
    ::fchmod(*fd, old.st_mode & 07777);
  }
  if (sync && Ops().fsync(*fd) != 0) {
    return fail(PosixError(absl::StrCat("fsync ", display), errno));
  }
  struct stat st;
  if (::fstat(*fd, &st) != 0) {
    return fail(PosixError(absl::StrCat("stat ", display), errno));
  }
  int fd_value = *fd;
  *fd = -1;
  if (::close(fd_value) != 0 && errno != EINTR) {
    return fail(PosixError(absl::StrCat("close ", display), errno));
  }
  // With `sync`, the call reports success only once the folder's fsync made
  // the rename durable. When that fsync fails the call fails, and a failed
  // call must leave the store as it was (a caller retrying an append must
  // not append twice): so the replaced file is kept under a second name
  // until then, and put back if the fsync fails.
  std::string backup;
  if (sync) {
    backup = UniqueName(folder, ".parley-old-");
    if (Ops().link(target.c_str(), backup.c_str()) != 0) {
      if (errno != ENOENT) {
        return fail(PosixError(absl::StrCat("keep old ", display), errno));
      }
      backup.clear();  // a new file: undone by removing it
    }
  }
  if (Ops().rename(temp.c_str(), target.c_str()) != 0) {
    absl::Status status =
        PosixError(absl::StrCat("rename onto ", display), errno);
    if (!backup.empty()) ::unlink(backup.c_str());
    return fail(status);
  }
  if (sync) {
    absl::Status synced = SyncFolder(folder);
    if (!synced.ok()) {
      const int undone = backup.empty()
                             ? Ops().unlink(target.c_str())
                             : Ops().rename(backup.c_str(), target.c_str());
      if (undone != 0) {
        return PosixError(absl::StrCat("undo the replacement of ", display,
                                       " after \"", synced.message(), "\""),
                          errno);
      }
      return synced;
    }
    // Best effort: a backup that stays is a dot file no listing counts.
    if (!backup.empty()) ::unlink(backup.c_str());
  }
  return IdentityOf(st);
}

absl::StatusOr<bool> RemoveFile(const std::string& folder,
                                const std::string& name, bool sync,
                                absl::string_view display) {
  const std::string target = absl::StrCat(folder, "/", name);
  if (!sync) {
    if (Ops().unlink(target.c_str()) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return false;
      return PosixError(absl::StrCat("remove ", display), errno);
    }
    return true;
  }
  // As in WriteFileAtomically: the file moves to a dot name (which no
  // listing counts) and goes for good only once the folder's fsync
  // succeeded; if that fails, it moves back and the call fails.
  const std::string backup = UniqueName(folder, ".parley-old-");
  if (Ops().rename(target.c_str(), backup.c_str()) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return PosixError(absl::StrCat("remove ", display), errno);
  }
  absl::Status synced = SyncFolder(folder);
  if (!synced.ok()) {
    if (Ops().rename(backup.c_str(), target.c_str()) != 0) {
      return PosixError(absl::StrCat("undo the removal of ", display,
                                     " after \"", synced.message(), "\""),
                        errno);
    }
    return synced;
  }
  ::unlink(backup.c_str());  // best effort, as above
  return true;
}

absl::Status MakeFolders(const std::string& path, bool sync,
                         std::vector<std::string>* created) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return PosixError(absl::StrCat("create folder ", path), ENOTDIR);
  }
  const std::string parent = ParentOf(path);
  if (parent != path) RETURN_IF_ERROR(MakeFolders(parent, sync, created));
  if (Ops().mkdir(path.c_str(), 0777) != 0) {
    if (errno == EEXIST) return absl::OkStatus();  // another process won
    return PosixError(absl::StrCat("create folder ", path), errno);
  }
  if (sync) {
    absl::Status synced = SyncFolder(parent);
    if (!synced.ok()) {
      // The call fails: leave no folder it made.
      Ops().rmdir(path.c_str());
      return synced;
    }
  }
  if (created != nullptr) created->push_back(path);
  return absl::OkStatus();
}

absl::Status RemoveFolderIfEmpty(const std::string& path, bool sync) {
  if (Ops().rmdir(path.c_str()) != 0) {
    if (errno == ENOENT || errno == ENOTEMPTY || errno == EEXIST) {
      return absl::OkStatus();
    }
    return PosixError(absl::StrCat("remove folder ", path), errno);
  }
  if (sync) return SyncFolder(ParentOf(path));
  return absl::OkStatus();
}

absl::StatusOr<int> RemoveStaleTempFiles(const std::string& folder) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(folder.c_str()),
                                          &::closedir);
  if (dir == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return 0;
    return PosixError(absl::StrCat("list ", folder), errno);
  }
  std::vector<std::string> stale;
  while (struct dirent* entry = ::readdir(dir.get())) {
    absl::string_view name(entry->d_name);
    absl::string_view rest = name;
    if (!absl::ConsumePrefix(&rest, ".parley-tmp-") &&
        !absl::ConsumePrefix(&rest, ".parley-old-")) {
      continue;
    }
    int pid = 0;
    const size_t dash = rest.find('-');
    if (dash == absl::string_view::npos ||
        !absl::SimpleAtoi(rest.substr(0, dash), &pid) || pid <= 0) {
      continue;
    }
    // kill(pid, 0) fails with ESRCH only when no such process exists.
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;
    stale.emplace_back(name);
  }
  int removed = 0;
  for (const std::string& name : stale) {
    const std::string path = absl::StrCat(folder, "/", name);
    if (Ops().unlink(path.c_str()) == 0) {
      ++removed;
    } else if (errno != ENOENT) {
      return PosixError(absl::StrCat("remove stale ", path), errno);
    }
  }
  return removed;
}

absl::StatusOr<std::vector<std::string>> ListRecordIds(
    const std::string& folder, absl::string_view display) {
  std::vector<std::string> ids;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(folder.c_str()),
                                          &::closedir);
  if (dir == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return ids;
    return PosixError(absl::StrCat("list ", display), errno);
  }
  while (true) {
    errno = 0;
    struct dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) return PosixError(absl::StrCat("list ", display), errno);
      break;
    }
    absl::string_view name(entry->d_name);
    if (name.empty() || name[0] == '.' || !absl::EndsWith(name, ".json") ||
        name.size() == 5) {
      continue;
    }
    if (entry->d_type == DT_DIR) continue;
    name.remove_suffix(5);
    ids.emplace_back(name);
  }
  return ids;
}

}  // namespace json_backend
}  // namespace parley
