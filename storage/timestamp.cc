#include "storage/timestamp.h"

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace parley {
namespace {

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return !s.empty();
}

int Number(absl::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

// Length of a "YYYY-MM-DD?HH:MM:SS" prefix that is a real date and time
// (separator 'T' or ' '), else 0.
bool HasDateTimePrefix(absl::string_view t) {
  if (t.size() < 19) return false;
  if (!AllDigits(t.substr(0, 4)) || t[4] != '-' || !AllDigits(t.substr(5, 2)) ||
      t[7] != '-' || !AllDigits(t.substr(8, 2)) ||
      (t[10] != 'T' && t[10] != ' ') || !AllDigits(t.substr(11, 2)) ||
      t[13] != ':' || !AllDigits(t.substr(14, 2)) || t[16] != ':' ||
      !AllDigits(t.substr(17, 2))) {
    return false;
  }
  const int year = Number(t.substr(0, 4));
  const int month = Number(t.substr(5, 2));
  const int day = Number(t.substr(8, 2));
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      day > kDays[month - 1]) {
    return false;
  }
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return false;
  return Number(t.substr(11, 2)) < 24 && Number(t.substr(14, 2)) < 60 &&
         Number(t.substr(17, 2)) < 60;
}

}  // namespace

std::string IsoTimestamp(absl::Time t) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  std::string text = absl::FormatTime("%Y-%m-%dT%H:%M:%S", t, utc);
  const int64_t micros =
      ((absl::ToUnixMicros(t) % 1000000) + 1000000) % 1000000;
  if (micros != 0) absl::StrAppendFormat(&text, ".%06d", micros);
  return text;
}

bool IsIsoTimestamp(absl::string_view text) {
  if (!HasDateTimePrefix(text)) return false;
  if (text.size() == 19) return true;
  return text[19] == '.' && text.size() <= 26 && AllDigits(text.substr(20));
}

std::string IsoformatTimestamp(absl::string_view text) {
  if (!HasDateTimePrefix(text)) return std::string(text);
  std::string out = absl::StrCat(text.substr(0, 10), "T", text.substr(11, 8));
  absl::string_view rest = text.substr(19);
  if (!rest.empty() && rest[0] == '.') {
    size_t n = 1;
    while (n < rest.size() && absl::ascii_isdigit(rest[n])) ++n;
    std::string micros(rest.substr(1, n - 1));
    micros.resize(6, '0');
    if (micros != "000000") absl::StrAppend(&out, ".", micros);
    rest.remove_prefix(n);
  }
  // What follows can only be a time zone ("+00", "+00:00", "Z"): naive UTC
  // timestamps have none.
  if (!rest.empty() && rest[0] != '+' && rest[0] != '-' && rest[0] != 'Z') {
    return std::string(text);
  }
  return out;
}

}  // namespace parley
