#include "storage/url.h"

#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace parley {
namespace {

// Characters never percent-encoded when a URL is rebuilt (RFC 3986
// "unreserved").
bool IsUnreserved(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Options whose value is a secret. libpq accepts `?password=` and
// `?sslpassword=` (its dispchar "*" fields); matching every key that ends in
// "password", in any case, also covers spellings libpq would reject, which
// is the safe direction for a redactor.
bool IsSecretOption(absl::string_view key) {
  return absl::EndsWithIgnoreCase(key, "password");
}

// Returns the index of the ':' that ends the scheme `url` starts with
// (RFC 3986: a letter, then letters, digits, '+', '-' or '.'), or npos.
size_t SchemeEnd(absl::string_view url) {
  if (url.empty() || !absl::ascii_isalpha(static_cast<unsigned char>(url[0]))) {
    return absl::string_view::npos;
  }
  for (size_t i = 1; i < url.size(); ++i) {
    const char c = url[i];
    if (c == ':') return i;
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '+' &&
        c != '-' && c != '.') {
      return absl::string_view::npos;
    }
  }
  return absl::string_view::npos;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes. '+' stays '+', as in libpq's URI parser. False on
// a '%' not followed by two hex digits.
bool PercentDecode(absl::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (in.size() - i < 3) return false;
    const int hi = HexValue(in[i + 1]);
    const int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

// Percent-encodes every byte that is neither unreserved nor in `keep`.
std::string PercentEncode(absl::string_view in, absl::string_view keep = "") {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (const char c : in) {
    if (IsUnreserved(c) || (c != '\0' && keep.find(c) != keep.npos)) {
      out.push_back(c);
    } else {
      const unsigned char b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xF]);
    }
  }
  return out;
}

// Replaces the values of secret options in the raw query `query`.
std::string RedactRawQuery(absl::string_view query) {
  std::string out;
  bool first = true;
  for (absl::string_view segment : absl::StrSplit(query, '&')) {
    if (!first) out.push_back('&');
    first = false;
    const size_t eq = segment.find('=');
    if (eq == segment.npos) {
      out.append(segment.data(), segment.size());
      continue;
    }
    std::string key;
    // A key that does not decode might still be "password" to a more
    // forgiving reader, so its value is hidden too.
    if (!PercentDecode(segment.substr(0, eq), &key) || IsSecretOption(key)) {
      absl::StrAppend(&out, segment.substr(0, eq), "=***");
    } else {
      out.append(segment.data(), segment.size());
    }
  }
  return out;
}

// Redacts a URL that may not parse, for error messages. It works on the raw
// text and errs towards hiding too much: everything between the first ':' of
// the authority and the last '@' of the whole URL is replaced, because a
// password with an unencoded '/', '?' or '@' in it moves the boundaries a
// strict reading would find ("scheme://bob:pa/ss@db/chat"). When there
// is no "//" the text is searched from the start, which also covers a URL
// whose scheme was left out ("bob:secret@db/chat").
std::string RedactRawUrl(absl::string_view raw) {
  size_t start = 0;
  const size_t scheme_end = SchemeEnd(raw);
  if (scheme_end != raw.npos &&
      absl::StartsWith(raw.substr(scheme_end + 1), "//")) {
    start = scheme_end + 3;
  } else if (absl::StartsWith(raw, "//")) {
    start = 2;
  }
  std::string out(raw);
  size_t query_from = start;
  const size_t at = raw.rfind('@');
  if (at != raw.npos && at >= start) {
    const size_t colon = raw.find(':', start);
    if (colon < at) {
      out = absl::StrCat(raw.substr(0, colon + 1), "***", raw.substr(at));
      query_from = colon + 4;
    }
  }
  size_t q = out.find('?', query_from);
  if (q == out.npos) {
    // The '?' may have been hidden with the rest (a ':' and an '@' inside
    // the query: "?application_name=a:b@c&password=..."): then what
    // follows the '@' may be query text, and its secrets are hidden too.
    if (query_from == start) return out;
    q = query_from;  // the '@'
  }
  const absl::string_view view = out;
  return absl::StrCat(view.substr(0, q + 1),
                      RedactRawQuery(view.substr(q + 1)));
}

// The one constructor of Parse's errors: the URL is only ever shown
// redacted.
absl::Status UrlError(absl::string_view raw_url, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("database URL ", RedactRawUrl(raw_url), ": ", problem));
}

// Decodes one component. `what` names the component in messages and must
// not contain its value.
absl::StatusOr<std::string> DecodeComponent(absl::string_view raw_url,
                                            absl::string_view in,
                                            absl::string_view what) {
  std::string out;
  if (!PercentDecode(in, &out)) {
    return UrlError(raw_url,
                    absl::StrCat("bad percent escape in ", what,
                                 " ('%' must be followed by two hex digits; "
                                 "write a literal '%' as %25)"));
  }
  // Every component ends up in a C string (a file name, a libpq keyword
  // value), where a NUL would silently cut it short.
  if (out.find('\0') != out.npos) {
    return UrlError(raw_url, absl::StrCat(what, " contains a NUL byte"));
  }
  return out;
}

// Shows an option key in a message. Keys are not secret, but when the URL
// looks like a password spilled past the host list (see `suspicious` in
// Parse) the "key" may be part of that password.
std::string OptionForMessage(absl::string_view key, bool suspicious) {
  if (suspicious) return "an option";
  return absl::StrCat("option \"", absl::CHexEscape(key), "\"");
}

// Parses `query` (the text after '?'): key=value pairs separated by '&',
// each percent-decoded. A key given twice keeps its first position and its
// last value. Empty segments ("a=1&&b=2", a trailing '&') are skipped.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseQuery(
    absl::string_view raw_url, absl::string_view query, bool suspicious) {
  std::vector<std::pair<std::string, std::string>> options;
  for (absl::string_view segment : absl::StrSplit(query, '&')) {
    if (segment.empty()) continue;
    const size_t eq = segment.find('=');
    absl::StatusOr<std::string> key =
        DecodeComponent(raw_url, segment.substr(0, eq), "an option name");
    if (!key.ok()) return key.status();
    if (eq == segment.npos) {
      return UrlError(raw_url, absl::StrCat(OptionForMessage(*key, suspicious),
                                            " has no '='; options are written "
                                            "key=value"));
    }
    if (key->empty()) return UrlError(raw_url, "an option has an empty name");
    absl::StatusOr<std::string> value = DecodeComponent(
        raw_url, segment.substr(eq + 1),
        absl::StrCat("the value of ", OptionForMessage(*key, suspicious)));
    if (!value.ok()) return value.status();
    bool replaced = false;
    for (auto& option : options) {
      if (option.first == *key) {
        option.second = *std::move(value);
        replaced = true;
        break;
      }
    }
    if (!replaced) options.emplace_back(*std::move(key), *std::move(value));
  }
  return options;
}

absl::StatusOr<StorageUrl::Host> ParseHost(absl::string_view raw_url,
                                           absl::string_view entry,
                                           size_t index, bool suspicious) {
  const std::string where = absl::StrCat("host ", index + 1);
  absl::string_view host_raw;
  absl::string_view port_raw;
  if (absl::StartsWith(entry, "[")) {
    const size_t close = entry.find(']');
    if (close == entry.npos) {
      return UrlError(raw_url, absl::StrCat(where, ": '[' without ']'"));
    }
    host_raw = entry.substr(1, close - 1);
    absl::string_view tail = entry.substr(close + 1);
    if (!tail.empty() && !absl::ConsumePrefix(&tail, ":")) {
      return UrlError(raw_url,
                      absl::StrCat(where, ": expected ':port' after ']'"));
    }
    port_raw = tail;
  } else {
    const size_t colon = entry.find(':');
    host_raw = entry.substr(0, colon);
    if (colon != entry.npos) port_raw = entry.substr(colon + 1);
    if (port_raw.find(':') != port_raw.npos) {
      return UrlError(raw_url,
                      absl::StrCat(where,
                                   ": an IPv6 address must be written in "
                                   "brackets, as in [::1]:5432"));
    }
  }
  StorageUrl::Host host;
  absl::StatusOr<std::string> decoded =
      DecodeComponent(raw_url, host_raw, where);
  if (!decoded.ok()) return decoded.status();
  host.host = *std::move(decoded);
  decoded =
      DecodeComponent(raw_url, port_raw, absl::StrCat("the port of ", where));
  if (!decoded.ok()) return decoded.status();
  host.port = *std::move(decoded);
  if (host.port.empty()) return host;
  // Digits only: "5432 " or "+5432" would be taken by a lenient integer
  // parser and then mean something different to libpq.
  for (const char c : host.port) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      if (suspicious) {
        return UrlError(raw_url,
                        absl::StrCat("the port of ", where,
                                     " is not a number; if the password "
                                     "contains '/', '?' or '@', "
                                     "percent-encode them (%2F, %3F, %40)"));
      }
      return UrlError(raw_url, absl::StrCat("the port of ", where, " (\"",
                                            absl::CHexEscape(host.port),
                                            "\") is not a number"));
    }
  }
  int port = 0;
  if (!absl::SimpleAtoi(host.port, &port) || port < 1 || port > 65535) {
    return UrlError(raw_url, absl::StrCat("the port of ", where,
                                          " is not between 1 and "
                                          "65535"));
  }
  return host;
}

// The pieces of a URL with hosts, before the query.
struct HostParts {
  std::string user;
  std::string password;
  bool has_password = false;
  std::vector<StorageUrl::Host> hosts;
  std::string path;
};

// `after_slashes` is the text after "scheme://" and before any '?';
// `suspicious` is set by the caller (see Parse).
absl::StatusOr<HostParts> ParseHosts(absl::string_view raw_url,
                                     absl::string_view after_slashes,
                                     bool suspicious) {
  HostParts parts;
  const size_t slash = after_slashes.find('/');
  absl::string_view authority = after_slashes.substr(0, slash);
  const absl::string_view path = slash == after_slashes.npos
                                     ? absl::string_view()
                                     : after_slashes.substr(slash + 1);

  // The last '@' of the authority ends the userinfo, so a password with an
  // unencoded '@' still parses (WHATWG URL does the same).
  const size_t at = authority.rfind('@');
  if (at != authority.npos) {
    const absl::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    const size_t colon = userinfo.find(':');
    absl::StatusOr<std::string> user =
        DecodeComponent(raw_url, userinfo.substr(0, colon), "the user name");
    if (!user.ok()) return user.status();
    parts.user = *std::move(user);
    if (colon != userinfo.npos) {
      absl::StatusOr<std::string> password =
          DecodeComponent(raw_url, userinfo.substr(colon + 1), "the password");
      if (!password.ok()) return password.status();
      parts.password = *std::move(password);
      parts.has_password = true;
    }
  }

  // The multi-host form (libpq's): "h1:5432,h2:5433". An empty entry
  // (including an empty authority, "scheme:///db") is an empty host, which
  // a client library may read as its default (libpq: the local socket).
  size_t index = 0;
  for (absl::string_view entry : absl::StrSplit(authority, ',')) {
    absl::StatusOr<StorageUrl::Host> host =
        ParseHost(raw_url, entry, index++, suspicious);
    if (!host.ok()) return host.status();
    parts.hosts.push_back(*std::move(host));
  }

  // A raw '@' after the host list is nearly always a password with a raw
  // '/' in it ("bob:pa/ss@db/chat" reads as host "bob", database
  // "ss@db/chat"). Refusing it keeps the rest of the password out of the
  // database name, and so out of Redacted().
  if (path.find('@') != path.npos) {
    return UrlError(raw_url,
                    "unencoded '@' after the host list; if the password "
                    "contains '/', '?' or '@', percent-encode them (%2F, %3F, "
                    "%40), and write an '@' in a database name as %40");
  }
  absl::StatusOr<std::string> decoded =
      DecodeComponent(raw_url, path, "the database name");
  if (!decoded.ok()) return decoded.status();
  parts.path = *std::move(decoded);
  return parts;
}

}  // namespace

absl::StatusOr<std::string> StorageUrl::SchemeOf(absl::string_view url,
                                                 absl::string_view expected) {
  // DATABASE_URL often comes from a file or a shell with a trailing newline.
  url = absl::StripAsciiWhitespace(url);
  if (url.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("database URL is empty; ", expected));
  }
  const size_t scheme_end = SchemeEnd(url);
  if (scheme_end == url.npos) {
    return UrlError(url, absl::StrCat("no scheme; ", expected));
  }
  return absl::AsciiStrToLower(url.substr(0, scheme_end));
}

absl::Status StorageUrl::Invalid(absl::string_view url,
                                 absl::string_view problem) {
  return UrlError(absl::StripAsciiWhitespace(url), problem);
}

absl::Status StorageUrl::Invalid(absl::string_view problem) const {
  return UrlError(raw_, problem);
}

absl::StatusOr<StorageUrl> StorageUrl::Parse(absl::string_view url,
                                             const UrlSyntax& syntax) {
  url = absl::StripAsciiWhitespace(url);
  const size_t scheme_end = SchemeEnd(url);
  if (scheme_end == url.npos) return UrlError(url, "no scheme");

  StorageUrl result;
  result.raw_ = std::string(url);
  result.authority_ = syntax.authority;
  result.scheme_ = std::string(url.substr(0, scheme_end));
  const absl::string_view rest = url.substr(scheme_end + 1);
  const size_t question = rest.find('?');
  const absl::string_view hier = rest.substr(0, question);
  const absl::string_view query =
      question == rest.npos ? absl::string_view() : rest.substr(question + 1);
  result.has_authority_ = absl::StartsWith(hier, "//");
  // Set when the authority holds no '@' but one appears later: the sign of
  // a password whose raw '/' or '?' ended the authority early. Text that a
  // strict reading calls a port or an option name may then be part of the
  // password, so messages stop quoting it.
  bool suspicious = false;

  if (syntax.authority == UrlSyntax::Authority::kHosts) {
    if (!result.has_authority_) return UrlError(url, syntax.form_hint);
    const absl::string_view after_slashes = rest.substr(2);
    const size_t authority_end = after_slashes.find_first_of("/?");
    const absl::string_view authority = after_slashes.substr(0, authority_end);
    suspicious = authority.find('@') == authority.npos &&
                 authority_end != after_slashes.npos &&
                 after_slashes.find('@', authority_end) != after_slashes.npos;
    absl::StatusOr<HostParts> parts =
        ParseHosts(url, hier.substr(2), suspicious);
    if (!parts.ok()) return parts.status();
    result.user_ = std::move(parts->user);
    result.password_ = std::move(parts->password);
    result.has_password_ = parts->has_password;
    result.hosts_ = std::move(parts->hosts);
    result.path_ = std::move(parts->path);
  } else {
    if (syntax.authority == UrlSyntax::Authority::kEmpty &&
        !result.has_authority_) {
      return UrlError(url, syntax.form_hint);
    }
    absl::string_view path = hier;
    if (result.has_authority_) {
      // The authority must be empty; what follows the slash that ends it
      // gives SQLAlchemy's reading: "///rel" is relative, "////abs"
      // absolute.
      const absl::string_view after_slashes = hier.substr(2);
      const size_t slash = after_slashes.find('/');
      if (!after_slashes.substr(0, slash).empty()) {
        return UrlError(url, syntax.form_hint);
      }
      result.has_path_slash_ = slash != after_slashes.npos;
      path = result.has_path_slash_ ? after_slashes.substr(slash + 1)
                                    : absl::string_view();
    }
    absl::StatusOr<std::string> decoded =
        DecodeComponent(url, path, "the path");
    if (!decoded.ok()) return decoded.status();
    result.path_ = *std::move(decoded);
  }

  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> options =
      ParseQuery(url, query, suspicious);
  if (!options.ok()) return options.status();
  result.options_ = *std::move(options);
  return result;
}

const std::string* StorageUrl::FindOption(absl::string_view key) const {
  for (const auto& option : options_) {
    if (option.first == key) return &option.second;
  }
  return nullptr;
}

std::string StorageUrl::Redacted() const {
  // Paths keep '/' and ':' readable ("scheme:///:memory:"); everything else
  // outside the unreserved set is encoded, so the result parses back to the
  // same components.
  constexpr absl::string_view kPathKeep = "/:";
  std::string out = absl::StrCat(scheme_, ":");
  switch (authority_) {
    case UrlSyntax::Authority::kNone:
      // A path that starts with "//" would read back as a host.
      if (has_authority_ || absl::StartsWith(path_, "//")) {
        out.append("///");
      }
      out.append(PercentEncode(path_, kPathKeep));
      break;
    case UrlSyntax::Authority::kEmpty:
      out.append("//");
      if (has_path_slash_) {
        absl::StrAppend(&out, "/", PercentEncode(path_, kPathKeep));
      }
      break;
    case UrlSyntax::Authority::kHosts: {
      out.append("//");
      if (!user_.empty() || has_password_) {
        absl::StrAppend(&out, PercentEncode(user_), has_password_ ? ":***" : "",
                        "@");
      }
      bool first = true;
      for (const Host& host : hosts_) {
        if (!first) out.push_back(',');
        first = false;
        if (host.host.find(':') != host.host.npos) {
          absl::StrAppend(&out, "[", PercentEncode(host.host, ":"), "]");
        } else {
          out.append(PercentEncode(host.host));
        }
        if (!host.port.empty()) absl::StrAppend(&out, ":", host.port);
      }
      if (!path_.empty()) absl::StrAppend(&out, "/", PercentEncode(path_));
      break;
    }
  }
  // '+' is encoded although Parse keeps it literal: SQLAlchemy reads a
  // literal '+' in the query as a space.
  constexpr absl::string_view kQueryKeep = "/:,";
  char separator = '?';
  for (const auto& [key, value] : options_) {
    absl::StrAppend(
        &out, absl::string_view(&separator, 1), PercentEncode(key, kQueryKeep),
        "=", IsSecretOption(key) ? "***" : PercentEncode(value, kQueryKeep));
    separator = '&';
  }
  return out;
}

absl::StatusOr<int> ParseIntOption(absl::string_view key,
                                   absl::string_view value, int min,
                                   absl::string_view range) {
  int n = 0;
  if (!absl::SimpleAtoi(value, &n)) {
    return absl::InvalidArgumentError(absl::StrCat(
        key, ": expected an integer, got \"", absl::CHexEscape(value), "\""));
  }
  if (n < min) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": expected ", range, ", got ", n));
  }
  return n;
}

// Seconds, as SQLAlchemy's float pool_timeout. `allow_minus_one` admits
// SQLAlchemy's -1 ("never") for pool_recycle.
absl::StatusOr<double> ParseSecondsOption(absl::string_view key,
                                          absl::string_view value,
                                          bool allow_minus_one) {
  double seconds = 0;
  if (!absl::SimpleAtod(value, &seconds) || !std::isfinite(seconds)) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": expected a number of seconds, got \"",
                     absl::CHexEscape(value), "\""));
  }
  if (seconds < 0 && !(allow_minus_one && seconds == -1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        key, ": expected ", allow_minus_one ? "-1 (never) or " : "",
        "0 or more seconds, got \"", absl::CHexEscape(value), "\""));
  }
  return seconds;
}

absl::StatusOr<bool> ParseBoolOption(absl::string_view key,
                                     absl::string_view value) {
  const std::string lower = absl::AsciiStrToLower(value);
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") {
    return true;
  }
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off") {
    return false;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      key, ": expected true/false, 1/0, yes/no or on/off, got ",
      IsSecretOption(key) ? "***"
                          : absl::StrCat("\"", absl::CHexEscape(value), "\"")));
}

}  // namespace parley
