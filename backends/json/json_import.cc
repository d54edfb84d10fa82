#include "backends/json/json_import.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "backends/json/json_layout.h"
#include "backends/json/json_lock.h"
#include "storage/posix_error.h"
#include "storage/status_macros.h"

namespace parley {
namespace json_backend {
namespace {

namespace fs = std::filesystem;

constexpr absl::string_view kStagingInfix = ".parley-staging-";
constexpr absl::string_view kOldInfix = ".parley-old-";

absl::Status FsError(const std::error_code& ec, absl::string_view context) {
  return PosixError(context, ec.value());
}

absl::Status Errno(absl::string_view context) {
  return PosixError(context, errno);
}

// The parent folder of `path` ("." for a bare name) and its last component.
std::pair<std::string, std::string> SplitPath(const std::string& path) {
  const fs::path p(path);
  std::string parent = p.parent_path().string();
  if (parent.empty()) parent = ".";
  return {parent, p.filename().string()};
}

bool ProcessAlive(pid_t pid) {
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

// Whether `name` is part of a JSON store's machinery, not of its data.
bool IsStoreMachinery(const fs::path& relative) {
  const std::string name = relative.filename().string();
  return relative == ".parley.lock" || absl::StartsWith(name, ".parley-tmp-");
}

absl::Status SyncFolder(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno(absl::StrCat("open ", path));
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) return PosixError(absl::StrCat("fsync ", path), saved);
  return absl::OkStatus();
}

// Removes what earlier runs left beside `destination`.
absl::Status RemoveLeftovers(const std::string& destination) {
  const auto [parent, base] = SplitPath(destination);
  std::error_code ec;
  fs::directory_iterator it(parent, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return absl::OkStatus();
    return FsError(ec, absl::StrCat("list ", parent));
  }
  std::vector<std::pair<std::string, bool>> leftovers;  // path, is_old
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    for (const absl::string_view infix : {kStagingInfix, kOldInfix}) {
      const std::string prefix = absl::StrCat(base, infix);
      if (!absl::StartsWith(name, prefix)) continue;
      int pid = 0;
      if (!absl::SimpleAtoi(absl::string_view(name).substr(prefix.size()),
                            &pid)) {
        continue;
      }
      if (pid != ::getpid() && ProcessAlive(pid)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "migrate into ", destination, ": process ", pid,
            " is migrating into it (", it->path().string(),
            "); wait for it, or remove that folder if no migration runs"));
      }
      leftovers.emplace_back(it->path().string(), infix == kOldInfix);
    }
  }
  if (ec) return FsError(ec, absl::StrCat("list ", parent));
  for (const auto& [path, is_old] : leftovers) {
    if (is_old && !fs::exists(fs::symlink_status(destination))) {
      // A run died between the fallback's two renames: put the destination
      // back as it was.
      if (::rename(path.c_str(), destination.c_str()) != 0) {
        return Errno(absl::StrCat("restore ", destination, " from ", path));
      }
      continue;
    }
    fs::remove_all(path, ec);
    if (ec) return FsError(ec, absl::StrCat("remove leftover ", path));
  }
  return absl::OkStatus();
}

// Fills `staging` with hard links to the files of `destination`.
absl::Status LinkTree(const std::string& destination,
                      const std::string& staging) {
  std::error_code ec;
  fs::recursive_directory_iterator it(destination, ec);
  if (ec) return FsError(ec, absl::StrCat("list ", destination));
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path relative = fs::relative(it->path(), destination, ec);
    if (ec) break;
    if (IsStoreMachinery(relative)) continue;
    const fs::path target = fs::path(staging) / relative;
    const fs::file_status status = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_directory(status)) {
      fs::create_directory(target, it->path(), ec);  // keeps the permissions
    } else if (fs::is_symlink(status)) {
      fs::copy_symlink(it->path(), target, ec);
    } else if (::link(it->path().c_str(), target.c_str()) != 0) {
      if (errno != EXDEV && errno != EPERM && errno != EMLINK) {
        return Errno(absl::StrCat("link ", it->path().string()));
      }
      fs::copy_file(it->path(), target, ec);
    }
    if (ec) {
      return FsError(ec, absl::StrCat("stage ", it->path().string()));
    }
  }
  if (ec) return FsError(ec, absl::StrCat("list ", destination));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<JsonStaging>> JsonStaging::Create(
    const std::string& destination_in) {
  std::string destination = destination_in;
  while (destination.size() > 1 && destination.back() == '/') {
    destination.pop_back();
  }
  RETURN_IF_ERROR(RemoveLeftovers(destination));
  struct stat st;
  bool existed = false;
  if (::lstat(destination.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "migrate into ", destination,
          ": it is a symbolic link; give the folder it points to"));
    }
    if (!S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat("migrate into ", destination, ": not a folder"));
    }
    existed = true;
  } else if (errno != ENOENT) {
    return Errno(absl::StrCat("stat ", destination));
  }
  const auto [parent, base] = SplitPath(destination);
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) return FsError(ec, absl::StrCat("create ", parent));
  const std::string staging =
      absl::StrCat(destination, kStagingInfix, ::getpid());
  const std::string old = absl::StrCat(destination, kOldInfix, ::getpid());
  auto result = std::unique_ptr<JsonStaging>(
      new JsonStaging(destination, staging, old, existed));
  if (::mkdir(staging.c_str(), existed ? (st.st_mode & 07777) : 0755) != 0) {
    result->done_ = true;  // nothing of ours to remove
    return Errno(absl::StrCat("create ", staging));
  }
  if (existed) RETURN_IF_ERROR(LinkTree(destination, staging));
  return result;
}

JsonStaging::~JsonStaging() { Abandon(); }

void JsonStaging::Abandon() {
  if (done_) return;
  done_ = true;
  std::error_code ec;
  // Best effort: a folder left behind is removed by the next run.
  fs::remove_all(staging_, ec);
}

absl::Status JsonStaging::Commit(bool sync) {
  if (done_) {
    return absl::InternalError("JsonStaging::Commit after Commit or Abandon");
  }
  if (sync) {
    // One syncfs instead of an fsync per file: the staging store is written
    // without fsync, and this makes every file and folder of it durable
    // before the rename can make them visible.
    const int fd = ::open(staging_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Errno(absl::StrCat("open ", staging_));
    const int rc = ::syncfs(fd);
    const int saved = errno;
    ::close(fd);
    if (rc != 0) {
      return PosixError(absl::StrCat("syncfs ", staging_), saved);
    }
  }
  std::string old_tree = staging_;  // where the old destination ends up
  if (!destination_existed_) {
    if (::rename(staging_.c_str(), destination_.c_str()) != 0) {
      return Errno(absl::StrCat("rename ", staging_, " to ", destination_));
    }
    old_tree.clear();
  } else if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD,
                         destination_.c_str(), RENAME_EXCHANGE) != 0) {
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
      return Errno(absl::StrCat("swap ", staging_, " with ", destination_));
    }
    if (::rename(destination_.c_str(), old_.c_str()) != 0) {
      return Errno(absl::StrCat("rename ", destination_, " to ", old_));
    }
    if (::rename(staging_.c_str(), destination_.c_str()) != 0) {
      const absl::Status status =
          Errno(absl::StrCat("rename ", staging_, " to ", destination_));
      if (::rename(old_.c_str(), destination_.c_str()) != 0) {
        return Errno(
            absl::StrCat("restore ", destination_, " from ", old_,
                         " (do it by hand) after: ", status.message()));
      }
      return status;
    }
    old_tree = old_;
  }
  done_ = true;
  if (sync) {
    RETURN_IF_ERROR(SyncFolder(SplitPath(destination_).first));
  }
  if (!old_tree.empty()) {
    std::error_code ec;
    // Best effort: the new store is in place; a tree left behind is removed
    // by the next run.
    fs::remove_all(old_tree, ec);
  }
  return absl::OkStatus();
}

absl::StatusOr<StorageUrl> JsonFolderUrl(
    const BackendType& json, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& options) {
  std::error_code ec;
  const std::string absolute = fs::absolute(path, ec).string();
  if (ec) return FsError(ec, absl::StrCat("resolve ", path));
  auto encode = [](absl::string_view text) {
    std::string out;
    for (unsigned char c : text) {
      if (c == '%' || c == '?' || c == '&' || c == '=' || c == '#' ||
          c <= ' ' || c == 0x7f) {
        absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    return out;
  };
  std::string url = absl::StrCat("json:", encode(absolute));
  char separator = '?';
  for (const auto& [key, value] : options) {
    absl::StrAppend(&url, std::string(1, separator), encode(key), "=",
                    encode(value));
    separator = '&';
  }
  return json.ParseUrl(url);
}

namespace {

class JsonImport final : public ImportStaging {
 public:
  JsonImport(std::unique_ptr<StoreLock> lock, LockGuard guard,
             std::unique_ptr<JsonStaging> staging, StorageUrl url, bool sync)
      : lock_(std::move(lock)),
        guard_(std::move(guard)),
        staging_(std::move(staging)),
        url_(std::move(url)),
        sync_(sync) {}

  const StorageUrl& url() const override { return url_; }

  absl::Status Commit(bool changed) override {
    if (!changed && staging_->destination_existed()) {
      staging_->Abandon();  // nothing to change: leave every file alone
      return absl::OkStatus();
    }
    return staging_->Commit(sync_);
  }

 private:
  // Declared first, destroyed last: the lock outlives the staging folder.
  std::unique_ptr<StoreLock> lock_;
  LockGuard guard_;
  std::unique_ptr<JsonStaging> staging_;
  StorageUrl url_;
  bool sync_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ImportStaging>> BeginJsonImport(
    const StorageUrl& destination) {
  bool sync = true;
  std::vector<std::pair<std::string, std::string>> staging_options;
  for (const auto& [key, value] : destination.options()) {
    if (key == "fsync") {
      ASSIGN_OR_RETURN(sync, ParseBoolOption(key, value));
    } else {
      staging_options.emplace_back(key, value);
    }
  }
  staging_options.emplace_back("fsync", "false");
  // Writers through Parley wait on the destination's whole-store lock while
  // the import is staged and swapped in. A destination that does not exist
  // yet has no writers (and its lock file must not create it).
  std::unique_ptr<StoreLock> lock;
  LockGuard guard;
  struct stat st;
  if (::stat(destination.path().c_str(), &st) == 0) {
    lock = std::make_unique<StoreLock>(
        StoreLayout(destination.path()).LockFilePath());
    ASSIGN_OR_RETURN(guard, lock->LockStore());
  }
  ASSIGN_OR_RETURN(std::unique_ptr<JsonStaging> staging,
                   JsonStaging::Create(destination.path()));
  ASSIGN_OR_RETURN(
      StorageUrl url,
      JsonFolderUrl(destination.type(), staging->path(), staging_options));
  return std::make_unique<JsonImport>(std::move(lock), std::move(guard),
                                      std::move(staging), std::move(url), sync);
}

}  // namespace json_backend
}  // namespace parley
