#include "tests/reliability/store_files.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/json_value.h"

namespace parley {
namespace testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Calls fn(relative path, is_folder) for everything under root/relative.
template <typename Fn>
void Walk(const std::string& root, const std::string& relative, Fn&& fn) {
  const std::string path = relative.empty() ? root : root + "/" + relative;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return;
  std::vector<std::pair<std::string, bool>> entries;
  while (struct dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    const std::string child = path + "/" + name;
    if (::lstat(child.c_str(), &st) != 0) continue;
    entries.emplace_back(relative.empty() ? name : relative + "/" + name,
                         S_ISDIR(st.st_mode));
  }
  ::closedir(dir);
  for (const auto& [child, is_folder] : entries) {
    fn(child, is_folder);
    if (is_folder) Walk(root, child, fn);
  }
}

void RemoveTree(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    std::vector<std::string> children;
    if (DIR* dir = ::opendir(path.c_str())) {
      while (struct dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..") children.push_back(path + "/" + name);
      }
      ::closedir(dir);
    }
    for (const std::string& child : children) RemoveTree(child);
    ::rmdir(path.c_str());
  } else {
    ::unlink(path.c_str());
  }
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == path.npos ? path : path.substr(slash + 1);
}

}  // namespace

FolderSnapshot SnapshotFolder(const std::string& root) {
  FolderSnapshot snapshot;
  Walk(root, "", [&](const std::string& relative, bool is_folder) {
    if (is_folder) {
      snapshot[relative + "/"] = "";
    } else {
      snapshot[relative] = ReadAll(root + "/" + relative);
    }
  });
  return snapshot;
}

void RestoreFolder(const std::string& root, const FolderSnapshot& snapshot) {
  RemoveTree(root);
  ::mkdir(root.c_str(), 0755);
  for (const auto& [relative, bytes] : snapshot) {
    if (absl::EndsWith(relative, "/")) {
      ::mkdir((root + "/" + relative).c_str(), 0755);
    }
  }
  for (const auto& [relative, bytes] : snapshot) {
    if (absl::EndsWith(relative, "/")) continue;
    std::ofstream out(root + "/" + relative, std::ios::binary);
    out << bytes;
  }
}

std::vector<std::string> DiffSnapshots(const FolderSnapshot& before,
                                       const FolderSnapshot& after) {
  std::vector<std::string> lines;
  for (const auto& [path, bytes] : before) {
    auto it = after.find(path);
    if (it == after.end()) {
      lines.push_back("- " + path);
    } else if (it->second != bytes) {
      lines.push_back("~ " + path);
    }
  }
  for (const auto& [path, bytes] : after) {
    if (before.find(path) == before.end()) lines.push_back("+ " + path);
  }
  return lines;
}

RecordFileScan ScanRecordFiles(const std::string& root) {
  RecordFileScan scan;
  Walk(root, "", [&](const std::string& relative, bool is_folder) {
    if (is_folder) return;
    const std::string name = BaseName(relative);
    if (absl::StartsWith(name, ".parley-tmp-") ||
        absl::StartsWith(name, ".parley-old-")) {
      ++scan.temp_files;
      return;
    }
    if (name.empty() || name[0] == '.' || !absl::EndsWith(name, ".json")) {
      return;
    }
    ++scan.record_files;
    const std::string bytes = ReadAll(root + "/" + relative);
    absl::StatusOr<JsonValue> value = ParseJson(bytes);
    if (bytes.empty()) {
      scan.bad.push_back(relative + ": empty");
    } else if (!value.ok()) {
      scan.bad.push_back(
          absl::StrCat(relative, ": ", value.status().message()));
    } else if (!value->is_object()) {
      scan.bad.push_back(relative + ": not an object");
    }
  });
  return scan;
}

std::string RunfilePath(const std::string& workspace_relative) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr) return workspace_relative;
  return absl::StrCat(srcdir, "/", workspace != nullptr ? workspace : "parley",
                      "/", workspace_relative);
}

}  // namespace testing
}  // namespace parley
