// What the reliability tests look at on disk: a folder's files and bytes,
// and the check that no record file is partial.
#ifndef PARLEY_TESTS_RELIABILITY_STORE_FILES_H_
#define PARLEY_TESTS_RELIABILITY_STORE_FILES_H_

#include <map>
#include <string>
#include <vector>

namespace parley {
namespace testing {

// Every file under `root` (relative path -> bytes); folders as "<path>/"
// with empty bytes, so that a created or removed empty folder shows too.
using FolderSnapshot = std::map<std::string, std::string>;
FolderSnapshot SnapshotFolder(const std::string& root);

// Makes `root` hold exactly `snapshot` (removing everything else).
void RestoreFolder(const std::string& root, const FolderSnapshot& snapshot);

// The differences between two snapshots, one line each ("+ path", "- path",
// "~ path"); empty when equal.
std::vector<std::string> DiffSnapshots(const FolderSnapshot& before,
                                       const FolderSnapshot& after);

struct RecordFileScan {
  int record_files = 0;  // *.json files that are not dot files
  int temp_files = 0;    // leftovers of interrupted writes (.parley-tmp-*,
                         // .parley-old-*)
  // "<path>: <why>" for each *.json file that is empty, truncated or not a
  // JSON object.
  std::vector<std::string> bad;
};
// Parses every record file under `root`.
RecordFileScan ScanRecordFiles(const std::string& root);

// The path of a binary built as a data dependency of this test, from its
// workspace-relative path ("tests/reliability/writer").
std::string RunfilePath(const std::string& workspace_relative);

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_TESTS_RELIABILITY_STORE_FILES_H_
