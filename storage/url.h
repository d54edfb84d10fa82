// Database URL parsing and redaction, for any backend.
//
// A URL is "scheme:" followed by either an opaque path ("scheme:data") or
// "//" and an authority ("scheme:///x.db", "scheme://bob:pw@h1:5432,h2/db"),
// then an optional "?key=value&..." query. This file knows the
// syntax, not the backends: each backend declares which form its URLs take
// (UrlSyntax, in its BackendType) and what the path and options mean, and
// the registry (storage/backend_registry.h) picks the backend by scheme.
// Components are percent-decoded; there is no fragment ('#' is an ordinary
// character, as in libpq).
#ifndef PARLEY_STORAGE_URL_H_
#define PARLEY_STORAGE_URL_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parley {

class BackendType;

// The form of a backend's URLs.
struct UrlSyntax {
  enum class Authority {
    // "scheme:PATH", or "scheme:///PATH" with an empty authority: a local
    // path, never a host ("scheme:data", "scheme:////srv/data").
    kNone,
    // "scheme://" required, its authority empty: "scheme:///relative.db",
    // "scheme:////absolute.db".
    kEmpty,
    // "scheme://[user[:password]@][host][:port][,host[:port]...][/PATH]".
    kHosts,
  };
  Authority authority = Authority::kNone;
  // Shown when a URL of this scheme is not of this form.
  absl::string_view form_hint;
};

class StorageUrl {
 public:
  struct Host {
    std::string host;  // decoded; may be empty (libpq's default socket)
    std::string port;  // decoded; digits only, may be empty
  };

  // Parses `url` in the form `syntax` gives, whatever its scheme; the
  // backend's checks come after (BackendType::ParseUrl). InvalidArgument
  // for a malformed URL, a bad percent escape or a NUL in a component; the
  // message names the problem and shows the URL only in redacted form.
  static absl::StatusOr<StorageUrl> Parse(absl::string_view url,
                                          const UrlSyntax& syntax);

  // The scheme `url` starts with, lower-cased ("name+driver").
  // InvalidArgument for an empty URL or one without a scheme; `expected`
  // ends the message (BackendRegistry::expected()).
  static absl::StatusOr<std::string> SchemeOf(absl::string_view url,
                                              absl::string_view expected);

  // InvalidArgument "database URL <redacted url>: <problem>", for a URL
  // that may not parse. The one form in which a URL that failed to parse
  // appears in a message.
  static absl::Status Invalid(absl::string_view url, absl::string_view problem);

  // The backend that parsed this URL (BackendType::ParseUrl).
  // REQUIRES: the URL came from a BackendType or the registry.
  const BackendType& type() const { return *type_; }

  // The scheme as written ("Name+Driver").
  const std::string& scheme() const { return scheme_; }

  // What follows the '/' that ends the authority, or the opaque part after
  // "scheme:" (decoded): "s:data" and "s:///data" give "data",
  // "s:////srv/x.db" gives "/srv/x.db", "s://h/chat" gives "chat". Empty
  // when there is none.
  const std::string& path() const { return path_; }

  // Authority::kHosts only (decoded).
  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  bool has_password() const { return has_password_; }
  const std::vector<Host>& hosts() const { return hosts_; }

  // Query options in the order written, decoded. A key given twice keeps its
  // first position and its last value.
  const std::vector<std::pair<std::string, std::string>>& options() const {
    return options_;
  }
  // The value of option `key`, or nullptr.
  const std::string* FindOption(absl::string_view key) const;

  // The URL with the password, and the value of every option whose name
  // ends in "password", replaced by "***": the only form of a URL that may
  // appear in a message, a log line or `parley info`. It parses back to the
  // same components.
  std::string Redacted() const;

  // Invalid(*this as written, problem).
  absl::Status Invalid(absl::string_view problem) const;

 private:
  friend class BackendType;

  const BackendType* type_ = nullptr;
  UrlSyntax::Authority authority_ = UrlSyntax::Authority::kNone;
  std::string raw_;  // as written, for Invalid
  std::string scheme_;
  std::string path_;
  std::string user_;
  std::string password_;
  bool has_password_ = false;
  std::vector<Host> hosts_;
  std::vector<std::pair<std::string, std::string>> options_;
  // Written with "//" ("s:///data", "s://"), and, for the forms without
  // hosts, with a '/' after the authority ("s:///" rather than "s://"):
  // Redacted() keeps
  // the form as written.
  bool has_authority_ = false;
  bool has_path_slash_ = false;
};

// Option values, with one message style for every backend.
// A boolean: true/false, 1/0, yes/no, on/off, in any case.
absl::StatusOr<bool> ParseBoolOption(absl::string_view key,
                                     absl::string_view value);
// An integer of at least `min`; `range` describes the accepted values in
// the message ("0 (no limit) or more").
absl::StatusOr<int> ParseIntOption(absl::string_view key,
                                   absl::string_view value, int min,
                                   absl::string_view range);
// Seconds, finite and not negative; `allow_minus_one` admits -1 ("never").
absl::StatusOr<double> ParseSecondsOption(absl::string_view key,
                                          absl::string_view value,
                                          bool allow_minus_one);

}  // namespace parley

#endif  // PARLEY_STORAGE_URL_H_
