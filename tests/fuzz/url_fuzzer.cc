// libFuzzer target for StorageUrl::Parse and StorageUrl::Redacted, in each
// of the URL forms (UrlSyntax) the built-in backends declare: compiled from
// the sources alone (run_fuzzer.sh), so the forms are chosen here by scheme
// as the backends choose them, without the backends.
//
// Properties, besides not crashing (ASan, UBSan):
//  - a URL that parses redacts to a URL that parses back to the same
//    components, with the password (and every *password option) "***", and
//    redacting that again changes nothing;
//  - a password never reaches Redacted() or a parse error: a URL is built
//    twice from the fuzzer's bytes with two passwords of the same length,
//    and the redacted text and error messages must not differ by, or
//    contain, the password.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "backends/sql/pool_options.h"
#include "storage/url.h"

namespace parley {
namespace {

[[noreturn]] void Fail(absl::string_view what, absl::string_view detail) {
  std::fprintf(stderr, "url_fuzzer property failed: %.*s\n  %.*s\n",
               static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

bool IsSecret(absl::string_view key) {
  return absl::EndsWithIgnoreCase(key, "password");
}

// The form of the backend `url`'s scheme selects (backends/*: json is
// opaque, sqlite has an empty authority, postgresql hosts); others are
// fuzzed in the richest form.
UrlSyntax SyntaxFor(absl::string_view url) {
  absl::StatusOr<std::string> scheme = StorageUrl::SchemeOf(url, "");
  UrlSyntax syntax;
  syntax.form_hint = "wrong form";
  syntax.authority = UrlSyntax::Authority::kHosts;
  if (scheme.ok() && *scheme == "json") {
    syntax.authority = UrlSyntax::Authority::kNone;
  } else if (scheme.ok() && absl::StartsWith(*scheme, "sqlite")) {
    syntax.authority = UrlSyntax::Authority::kEmpty;
  }
  return syntax;
}

absl::StatusOr<StorageUrl> ParseAny(absl::string_view url) {
  return StorageUrl::Parse(url, SyntaxFor(url));
}

void CheckRedactedParsesBack(const StorageUrl& url) {
  const std::string redacted = url.Redacted();
  absl::StatusOr<StorageUrl> again = ParseAny(redacted);
  if (!again.ok()) Fail("Redacted() does not parse", redacted);
  if (again->path() != url.path() || again->user() != url.user() ||
      again->scheme() != url.scheme() ||
      again->has_password() != url.has_password() ||
      again->hosts().size() != url.hosts().size() ||
      again->options().size() != url.options().size()) {
    Fail("Redacted() parses to other components", redacted);
  }
  if (url.has_password() && again->password() != "***") {
    Fail("Redacted() keeps a password", redacted);
  }
  for (size_t i = 0; i < url.hosts().size(); ++i) {
    if (again->hosts()[i].host != url.hosts()[i].host ||
        again->hosts()[i].port != url.hosts()[i].port) {
      Fail("Redacted() changes a host", redacted);
    }
  }
  for (size_t i = 0; i < url.options().size(); ++i) {
    const auto& [key, value] = url.options()[i];
    const auto& [key2, value2] = again->options()[i];
    if (key2 != key) Fail("Redacted() changes an option key", redacted);
    if (IsSecret(key) ? value2 != "***" : value2 != value) {
      Fail("Redacted() changes or keeps an option value", redacted);
    }
  }
  if (again->Redacted() != redacted) {
    Fail("Redacted() is not stable", redacted);
  }
  // The pool options read without crashing, whatever they say (the
  // registry already refused the URL if they did not parse).
  ReadPoolOptions(url).IgnoreError();
}

std::string EncodeAll(absl::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes)
    absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
  return out;
}

// What a URL shows of itself: its redacted form or its parse error.
std::string Shown(absl::string_view url) {
  absl::StatusOr<StorageUrl> parsed = ParseAny(url);
  if (!parsed.ok()) return std::string(parsed.status().message());
  CheckRedactedParsesBack(*parsed);
  return parsed->Redacted();
}

// `data` = password '\0' the rest of a postgresql URL (after "user:PW@").
void CheckPasswordNeverShown(absl::string_view data) {
  const size_t split = data.find('\0');
  if (split == data.npos) return;
  const absl::string_view password = data.substr(0, split);
  const absl::string_view rest = data.substr(split + 1);
  if (password.size() < 4) return;
  // Same length and percent-encoded, so both URLs split identically.
  const std::string other(password.size(), password[0] == 'q' ? 'z' : 'q');
  auto check = [&](absl::string_view before, absl::string_view after) {
    const std::string shown =
        Shown(absl::StrCat(before, EncodeAll(password), after));
    const std::string shown_other =
        Shown(absl::StrCat(before, EncodeAll(other), after));
    // Percent-encoded is shown too: compare without case.
    if (shown != shown_other &&
        (absl::StrContains(shown, password) ||
         absl::StrContains(absl::AsciiStrToLower(shown),
                           absl::AsciiStrToLower(EncodeAll(password))))) {
      Fail("a password is shown", shown);
    }
  };
  check("postgresql://u:", absl::StrCat("@", rest));
  check("postgres://:", absl::StrCat("@", rest));
  check(absl::StrCat("postgresql://h/db?", rest, "&password="), "");
}

}  // namespace
}  // namespace parley

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view input(reinterpret_cast<const char*>(data) + 1,
                                size - 1);
  if (data[0] & 1) {
    parley::CheckPasswordNeverShown(input);
  } else {
    parley::Shown(input);
    // Option values as the boolean parser sees them.
    parley::ParseBoolOption("pool_pre_ping", input).IgnoreError();
  }
  return 0;
}
