// Where a JSON store keeps each record. The store checks each id with
// ValidateRecordId (storage/record_id.h) first, so an id names a file inside
// its folder.
//
// Conversations live in `<root>/conversations/`. Profiles and subscriptions
// live in the nested folders the original module wrote
// (`<root>/data/profiles/`, `<root>/data/subscriptions/`) or in flat ones
// (`<root>/profiles/`, `<root>/subscriptions/`). Both are read; the nested
// file wins when both hold the same id.
#ifndef PARLEY_BACKENDS_JSON_JSON_LAYOUT_H_
#define PARLEY_BACKENDS_JSON_JSON_LAYOUT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/json/json_files.h"
#include "storage/record_kind.h"

namespace parley {
namespace json_backend {

class StoreLayout {
 public:
  // `root` is the store folder (the URL's path); a trailing '/' is ignored.
  explicit StoreLayout(absl::string_view root);

  const std::string& root() const { return root_; }
  std::string LockFilePath() const;

  // The folders of `kind` relative to the root, highest priority first.
  static const std::vector<std::string>& RelativeFolders(RecordKind kind);
  // Absolute (or working-directory-relative) path of folder `index`.
  std::string Folder(RecordKind kind, int index) const;
  // `<folder>/<id>.json` relative to the root: how messages name files.
  static std::string Display(RecordKind kind, int folder, absl::string_view id);
  static std::string FileName(absl::string_view id);

  struct Location {
    int folder = 0;       // where the record is, or is to be created
    bool exists = false;  // whether its file exists now
  };
  // Where record `id` is: the highest-priority folder holding its file; for
  // a record that does not exist, where a new one goes (the nested folder
  // unless only the flat folder exists).
  absl::StatusOr<Location> Locate(RecordKind kind, absl::string_view id) const;

  struct Found {
    int folder = 0;
    FileContents contents;
  };
  // Reads record `id`'s file from the highest-priority folder holding it;
  // nullopt when none does.
  absl::StatusOr<std::optional<Found>> Read(RecordKind kind,
                                            absl::string_view id) const;

 private:
  std::string root_;
};

}  // namespace json_backend
}  // namespace parley

#endif  // PARLEY_BACKENDS_JSON_JSON_LAYOUT_H_
