#include "backends/json/json_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <ctime>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "backends/json/json_error.h"
#include "storage/status_macros.h"

namespace parley {
namespace json_backend {
namespace {

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
    fd = ::open(path, flags | O_CLOEXEC, mode);
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
  if (::fsync(*fd) != 0) {
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

absl::Status WriteAll(int fd, absl::string_view bytes,
                      absl::string_view display) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return PosixError(absl::StrCat("write ", display), errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

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
  static std::atomic<uint64_t> counter{0};
  const std::string target = absl::StrCat(folder, "/", name);
  const std::string temp =
      absl::StrCat(folder, "/.parley-tmp-", ::getpid(), "-",
                   counter.fetch_add(1, std::memory_order_relaxed));
  UniqueFd fd = MakeFd(
      OpenRetry(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, 0666));
  if (*fd < 0) return PosixError(absl::StrCat("create ", display), errno);

  auto fail = [&temp](absl::Status status) {
    ::unlink(temp.c_str());
    return status;
  };
  absl::Status written = WriteAll(*fd, bytes, display);
  if (!written.ok()) return fail(written);
  struct stat old;
  if (::stat(target.c_str(), &old) == 0) {
    // Best effort: a file we cannot chmod keeps the default mode.
    ::fchmod(*fd, old.st_mode & 07777);
  }
  if (sync && ::fsync(*fd) != 0) {
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
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    return fail(PosixError(absl::StrCat("rename onto ", display), errno));
  }
  if (sync) RETURN_IF_ERROR(SyncFolder(folder));
  return IdentityOf(st);
}

absl::StatusOr<bool> RemoveFile(const std::string& folder,
                                const std::string& name, bool sync,
                                absl::string_view display) {
  const std::string target = absl::StrCat(folder, "/", name);
  if (::unlink(target.c_str()) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return PosixError(absl::StrCat("remove ", display), errno);
  }
  if (sync) RETURN_IF_ERROR(SyncFolder(folder));
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
  if (::mkdir(path.c_str(), 0777) != 0) {
    if (errno == EEXIST) return absl::OkStatus();  // another process won
    return PosixError(absl::StrCat("create folder ", path), errno);
  }
  if (created != nullptr) created->push_back(path);
  if (sync) RETURN_IF_ERROR(SyncFolder(parent));
  return absl::OkStatus();
}

absl::Status RemoveFolderIfEmpty(const std::string& path, bool sync) {
  if (::rmdir(path.c_str()) != 0) {
    if (errno == ENOENT || errno == ENOTEMPTY || errno == EEXIST) {
      return absl::OkStatus();
    }
    return PosixError(absl::StrCat("remove folder ", path), errno);
  }
  if (sync) return SyncFolder(ParentOf(path));
  return absl::OkStatus();
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
