#include "storage/status_util.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace parley {
namespace {

constexpr absl::string_view kCommitOutcomeUnknownUrl =
    "type.parley.dev/CommitOutcomeUnknown";

}  // namespace

absl::Status Annotate(const absl::Status& status, absl::string_view context) {
  if (status.ok() || context.empty()) return status;
  absl::Status annotated(status.code(),
                         absl::StrCat(context, ": ", status.message()));
  status.ForEachPayload(
      [&annotated](absl::string_view url, const absl::Cord& payload) {
        annotated.SetPayload(url, payload);
      });
  return annotated;
}

absl::Status CommitOutcomeUnknownError(absl::string_view context,
                                       absl::string_view cause) {
  absl::Status status(
      absl::StatusCode::kUnknown,
      absl::StrCat(context,
                   ": commit outcome unknown: the connection was lost during "
                   "COMMIT; the transaction may or may not have been applied (",
                   cause, ")"));
  status.SetPayload(kCommitOutcomeUnknownUrl, absl::Cord("1"));
  return status;
}

bool IsCommitOutcomeUnknown(const absl::Status& status) {
  return status.GetPayload(kCommitOutcomeUnknownUrl).has_value();
}

}  // namespace parley
