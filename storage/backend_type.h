// What a backend declares about itself: its URL schemes and their form, the
// options it takes, how it behaves (traits), and how it opens a store.
//
// Each backend defines one BackendType in its own folder
// (backends/<name>/), and the registry (storage/backend_registry.h) maps
// schemes to them; nothing in storage/ or api/ names a backend. Adding a
// backend means writing its BackendType and adding one registry line
// (README.md, "Adding a backend").
#ifndef PARLEY_STORAGE_BACKEND_TYPE_H_
#define PARLEY_STORAGE_BACKEND_TYPE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/backend.h"
#include "storage/url.h"

namespace parley {

// How a store of a backend behaves, for the layers above it.
struct BackendTraits {
  // The store admits one writer at a time (a database-wide lock): more
  // writer threads would only wait for the lock while holding connections,
  // so AsyncStorage runs writes on one lane, in order.
  bool serialized_writes = false;
};

// An all-or-nothing import into a store that has no transaction big enough
// for it (a folder of files): the records are written into a staging
// store, which Commit puts in place of the destination at once. Made by
// BackendType::BeginImport; not thread-safe. Destroying it without Commit
// leaves the destination as it was.
class ImportStaging {
 public:
  virtual ~ImportStaging() = default;

  // The staging store to write the import into (opened like any URL).
  virtual const StorageUrl& url() const = 0;

  // Puts the staging store in place of the destination, durably. When
  // `changed` is false (the import wrote nothing) the destination is left
  // exactly as it was, if it existed. On error the destination is as it was.
  virtual absl::Status Commit(bool changed) = 0;
};

class BackendType {
 public:
  virtual ~BackendType() = default;

  // The backend's name, as Storage::backend_name() reports it.
  virtual absl::string_view name() const = 0;

  // The schemes that select this backend, lower-case, the usual one first
  // (SQLAlchemy's "name+driver" forms too).
  virtual std::vector<absl::string_view> schemes() const = 0;

  // The form its URLs take.
  virtual UrlSyntax url_syntax() const = 0;

  // Checks what only this backend knows: the path and the options, their
  // names and values, so that a mistake fails where the URL is read, not at
  // the first call. InvalidArgument (StorageUrl::Invalid) naming the option.
  virtual absl::Status CheckUrl(const StorageUrl& url) const = 0;

  virtual BackendTraits traits() const { return BackendTraits(); }

  // Opens the store `url` names. REQUIRES: `url` came from ParseUrl.
  virtual absl::StatusOr<std::unique_ptr<Backend>> Open(
      const StorageUrl& url, const BackendOptions& options) const = 0;

  // OK when the store `url` names exists; NotFound saying what is missing
  // ("folder ... does not exist") when opening it would create it. Never
  // creates anything. The default: the store is a server's (its absence is
  // an error of Open's).
  virtual absl::Status CheckExists(const StorageUrl& url) const {
    (void)url;
    return absl::OkStatus();
  }

  // Whether `a` and `b`, both of this backend, name the same store however
  // they are written. The default compares the redacted URLs.
  virtual bool SameStore(const StorageUrl& a, const StorageUrl& b) const {
    return a.Redacted() == b.Redacted();
  }

  // An all-or-nothing import into `destination` through a staging store, or
  // null when the backend's own transaction (Backend::RunInTransaction)
  // makes an import all-or-nothing: the default.
  virtual absl::StatusOr<std::unique_ptr<ImportStaging>> BeginImport(
      const StorageUrl& destination) const {
    (void)destination;
    return nullptr;
  }

  // How an import into this backend is made all-or-nothing, for the CLI's
  // summary line.
  virtual absl::string_view import_method() const { return "one transaction"; }

  // For SameStore of stores that are a path: whether `a` and `b` name the
  // same file or folder however written (equal, or the same inode).
  static bool SamePath(const std::string& a, const std::string& b);

  // Parses `url` in this backend's form and checks it (CheckUrl). The URL
  // returned knows its type (StorageUrl::type()).
  absl::StatusOr<StorageUrl> ParseUrl(absl::string_view url) const;

  // Parses the form only, without CheckUrl: its options may not be ones
  // this backend takes. For tests of the URL syntax; a URL to open comes
  // from ParseUrl.
  absl::StatusOr<StorageUrl> ParseUrlFormOnly(absl::string_view url) const;
};

}  // namespace parley

#endif  // PARLEY_STORAGE_BACKEND_TYPE_H_
