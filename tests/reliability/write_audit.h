// Checks what a writer's appends left in its conversation against what each
// append answered: the record-by-record check of the server-fault, crash and
// failover tests.
#ifndef PARLEY_TESTS_RELIABILITY_WRITE_AUDIT_H_
#define PARLEY_TESTS_RELIABILITY_WRITE_AUDIT_H_

#include <cstdint>
#include <map>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "api/storage.h"
#include "gtest/gtest.h"
#include "proto/records.pb.h"

namespace parley {
namespace testing {

struct WriteAudit {
  int64_t lost = 0;            // answered OK, not stored
  int64_t duplicated = 0;      // stored more than once
  int64_t reordered = 0;       // stored before an earlier one
  int64_t unknown_stored = 0;  // commit outcome unknown, and stored
};

// Each message of `conversation` is `prefix` followed by the seq of the
// call that appended it; `calls` (each with `seq` and `status`) are what the
// writer was answered. Adds to `*audit`. A call that failed with anything
// but commit-outcome-unknown and is stored anyway is a test failure.
// Returns how many times each seq is stored.
template <typename Call>
std::map<int, int> AuditWriter(const Conversation& conversation,
                               absl::string_view prefix,
                               const std::vector<Call>& calls,
                               WriteAudit* audit) {
  std::map<int, int> stored;  // seq -> times
  int last = -1;
  for (const Message& message : conversation.messages()) {
    absl::string_view text = message.content();
    int seq = -1;
    if (!absl::ConsumePrefix(&text, prefix) || !absl::SimpleAtoi(text, &seq)) {
      ADD_FAILURE() << "a message no writer appended: " << message.content();
      continue;
    }
    if (++stored[seq] > 1) ++audit->duplicated;
    if (seq <= last) ++audit->reordered;
    last = seq;
  }
  for (const Call& call : calls) {
    const bool present = stored.count(call.seq) > 0;
    if (call.status.ok() && !present) ++audit->lost;
    if (!call.status.ok() && present) {
      if (IsCommitOutcomeUnknown(call.status)) {
        ++audit->unknown_stored;
      } else {
        ADD_FAILURE() << prefix << call.seq << " failed with " << call.status
                      << " but is stored";
      }
    }
  }
  return stored;
}

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_TESTS_RELIABILITY_WRITE_AUDIT_H_
