// Timestamps as the original application wrote them: the text of Python's
// datetime.utcnow().isoformat(). The one place that formats, recognizes and
// normalizes that text, for the facade (new records) and the SQL backends
// (the rewrite's TIMESTAMP columns).
#ifndef PARLEY_STORAGE_TIMESTAMP_H_
#define PARLEY_STORAGE_TIMESTAMP_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace parley {

// Formats `t` as the original's datetime.utcnow().isoformat():
// "2025-12-04T10:11:12.123456", or "2025-12-04T10:11:12" when the
// microseconds are 0.
std::string IsoTimestamp(absl::Time t);

// True for "2025-12-04T10:11:12[.ffffff]" (or a space for the "T"): the text
// the rewrite's TIMESTAMP columns can hold.
bool IsIsoTimestamp(absl::string_view text);

// A timestamp column's text as datetime.isoformat() writes it: "T" between
// date and time, microseconds padded to six digits and dropped when zero, a
// time zone suffix removed. Text that is not a timestamp comes back as is.
std::string IsoformatTimestamp(absl::string_view text);

}  // namespace parley

#endif  // PARLEY_STORAGE_TIMESTAMP_H_
