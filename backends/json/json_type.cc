#include "backends/json/json_type.h"

#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backends/json/json_backend.h"
#include "backends/json/json_import.h"
#include "storage/status_macros.h"

namespace parley {
namespace {

class JsonType final : public BackendType {
 public:
  absl::string_view name() const override { return "json"; }

  std::vector<absl::string_view> schemes() const override { return {"json"}; }

  UrlSyntax url_syntax() const override {
    return {UrlSyntax::Authority::kNone,
            "json URLs name a folder, not a host: json:PATH, "
            "json:///relative/path or json:////absolute/path"};
  }

  absl::Status CheckUrl(const StorageUrl& url) const override {
    if (url.path().empty()) {
      return url.Invalid("empty path; write json:PATH, as in json:data");
    }
    for (const auto& [key, value] : url.options()) {
      if (key == "fsync") {
        RETURN_IF_ERROR(ParseBoolOption(key, value).status());
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("open ", url.Redacted(), ": unknown option \"", key,
                         "\" for a json store (known: fsync)"));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Backend>> Open(
      const StorageUrl& url, const BackendOptions& options) const override {
    return OpenJsonBackend(url, options);
  }

  absl::Status CheckExists(const StorageUrl& url) const override {
    struct stat st;
    if (::stat(url.path().c_str(), &st) == 0) return absl::OkStatus();
    return absl::NotFoundError(
        absl::StrCat("folder ", url.path(), " does not exist"));
  }

  bool SameStore(const StorageUrl& a, const StorageUrl& b) const override {
    return SamePath(a.path(), b.path());
  }

  absl::StatusOr<std::unique_ptr<ImportStaging>> BeginImport(
      const StorageUrl& destination) const override {
    return json_backend::BeginJsonImport(destination);
  }

  absl::string_view import_method() const override {
    return "staged beside it, swapped in atomically";
  }
};

}  // namespace

const BackendType& JsonBackendType() {
  static const JsonType* const type = new JsonType();
  return *type;
}

}  // namespace parley
