#include "storage/record_id.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/utf8.h"

namespace parley {

std::string ShowRecordId(absl::string_view id) {
  std::string shown;
  for (char c : id.substr(0, 64)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      absl::StrAppendFormat(&shown, "\\x%02x", u);
    } else {
      shown.push_back(c);
    }
  }
  if (id.size() > 64) absl::StrAppend(&shown, "... (", id.size(), " bytes)");
  return shown;
}

absl::Status ValidateRecordId(absl::string_view what, absl::string_view id) {
  absl::string_view problem;
  if (id.empty()) {
    problem = "is empty";
  } else if (id == "." || id == "..") {
    problem = "is a path component";
  } else if (id[0] == '.') {
    // "<id>.json" would be a hidden file, which the JSON store passes over
    // (its own temporary and lock files start with a dot).
    problem = "starts with a dot";
  } else if (id.find('/') != id.npos || id.find('\\') != id.npos) {
    problem = "contains a path separator";
  } else if (id.find('\0') != id.npos) {
    problem = "contains a NUL byte";
  } else if (id.size() > kMaxRecordIdBytes) {
    problem = "is longer than 250 bytes";
  } else if (!IsValidUtf8(id)) {
    problem = "is not valid UTF-8";
  } else {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(what, " \"", ShowRecordId(id), "\" ", problem));
}

absl::Status ValidateRecordId(RecordKind kind, absl::string_view id) {
  return ValidateRecordId(absl::StrCat(RecordKindName(kind), " id"), id);
}

}  // namespace parley
