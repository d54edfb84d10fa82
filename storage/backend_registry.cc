#include "storage/backend_registry.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "storage/status_macros.h"

namespace parley {

void BackendRegistry::Register(const BackendType* type) {
  for (absl::string_view scheme : type->schemes()) {
    by_scheme_[scheme] = type;
  }
  types_.push_back(type);
  std::vector<std::string> starts;
  for (const BackendType* t : types_) {
    starts.push_back(absl::StrCat(
        t->schemes().front(),
        t->url_syntax().authority == UrlSyntax::Authority::kNone ? ":"
                                                                 : "://"));
  }
  expected_ = "expected ";
  for (size_t i = 0; i < starts.size(); ++i) {
    if (i > 0) expected_ += i + 1 == starts.size() ? " or " : ", ";
    expected_ += starts[i];
  }
}

absl::StatusOr<StorageUrl> BackendRegistry::ParseUrl(
    absl::string_view url) const {
  ASSIGN_OR_RETURN(const std::string scheme,
                   StorageUrl::SchemeOf(url, expected_));
  const BackendType* type = Find(scheme);
  if (type == nullptr) {
    const std::string as_written(
        absl::StripAsciiWhitespace(url).substr(0, scheme.size()));
    return StorageUrl::Invalid(
        url, absl::StrCat("unsupported scheme \"", absl::CHexEscape(as_written),
                          "\"; ", expected_));
  }
  return type->ParseUrl(url);
}

const BackendType* BackendRegistry::Find(absl::string_view scheme) const {
  auto it = by_scheme_.find(scheme);
  return it == by_scheme_.end() ? nullptr : it->second;
}

absl::StatusOr<std::unique_ptr<Backend>> OpenBackend(
    const StorageUrl& url, const BackendOptions& options) {
  return url.type().Open(url, options);
}

}  // namespace parley
