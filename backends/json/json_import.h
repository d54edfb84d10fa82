// The staging folder that makes an import (`parley migrate`, `parley
// import`) into a JSON store all-or-nothing: the JSON backend's
// BackendType::BeginImport.
//
// A JSON store is a folder of files, and no file operation replaces many
// files at once. So the migrated store is built beside the destination, in
// `<destination>.parley-staging-<pid>`, and swapped into place with one
// atomic rename: renameat2(RENAME_EXCHANGE) when the destination exists,
// rename(2) when it does not. Until that rename the destination is exactly
// as it was; after it, the destination is the whole new store. A run that
// dies (SIGKILL, power loss) leaves only the staging folder behind, which the
// next run removes before it starts.
//
// The staging folder starts as a copy of the destination made of hard links
// (cheap, and what the destination holds but the source does not is kept).
// Writing through a link never changes the destination, because the JSON
// backend replaces a file by writing a new one and renaming it over the old
// name; the link in the destination keeps the old contents. The lock file
// and temporary files are not copied.
//
// Where RENAME_EXCHANGE is not supported (EINVAL: some file systems), the
// swap is two renames: the destination to `<destination>.parley-old-<pid>`,
// then the staging folder to the destination. A run dying between the two
// leaves no destination; the next run renames the old folder back first.
//
// The destination's whole-store lock is held from BeginImport to the end,
// so that no write through Parley lands in the destination and is then lost
// at the swap.
#ifndef PARLEY_BACKENDS_JSON_JSON_IMPORT_H_
#define PARLEY_BACKENDS_JSON_JSON_IMPORT_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/backend_type.h"
#include "storage/url.h"

namespace parley {
namespace json_backend {

// Not thread-safe; one per migration.
class JsonStaging {
 public:
  // Removes leftovers of earlier runs beside `destination` (restoring a
  // destination a run left moved aside), then creates the staging folder
  // from the destination's current files. FailedPrecondition when another
  // live process is staging into the same destination, or when the
  // destination is a symbolic link or not a folder.
  static absl::StatusOr<std::unique_ptr<JsonStaging>> Create(
      const std::string& destination);

  JsonStaging(const JsonStaging&) = delete;
  JsonStaging& operator=(const JsonStaging&) = delete;
  // Abandons the staging folder unless Commit succeeded.
  ~JsonStaging();

  const std::string& path() const { return staging_; }
  // Whether the destination folder existed when Create ran.
  bool destination_existed() const { return destination_existed_; }

  // Makes the staging folder durable (syncfs) when `sync`, swaps it into
  // place, syncs the parent folder, and removes the old tree. On error the
  // destination is as it was (the staging folder is left for Abandon).
  absl::Status Commit(bool sync);

  // Removes the staging folder; the destination is untouched.
  void Abandon();

 private:
  JsonStaging(std::string destination, std::string staging, std::string old,
              bool existed)
      : destination_(std::move(destination)),
        staging_(std::move(staging)),
        old_(std::move(old)),
        destination_existed_(existed) {}

  const std::string destination_;
  const std::string staging_;
  const std::string old_;  // the fallback's parking place
  const bool destination_existed_;
  bool done_ = false;
};

// The json: URL of the store in folder `path`, with `options` (key, value)
// appended, parsed by `json` (the JSON backend's type); the path is
// percent-encoded where the URL syntax needs it.
absl::StatusOr<StorageUrl> JsonFolderUrl(
    const BackendType& json, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& options);

// The JSON backend's BeginImport: a JsonStaging beside `destination`, the
// destination's lock held, and the staging store's URL (the destination's
// options, written without fsync: Commit makes it durable with one syncfs).
absl::StatusOr<std::unique_ptr<ImportStaging>> BeginJsonImport(
    const StorageUrl& destination);

}  // namespace json_backend
}  // namespace parley

#endif  // PARLEY_BACKENDS_JSON_JSON_IMPORT_H_
