#include "tests/reliability/crash_workload.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/status_macros.h"

namespace parley {
namespace testing {
namespace {

std::string OpJson(int64_t op) { return absl::StrCat("{\"op\":", op, "}"); }

// Whether `message` is the message op `op` appends.
bool IsMessageOf(const Message& message, int64_t op) {
  const int64_t kind = op % kOpsPerConversation;
  if (kind == 6) {
    return message.role() == "assistant" && message.stage3_json() == OpJson(op);
  }
  return message.role() == "user" &&
         message.content() == absl::StrCat("op-", op);
}

}  // namespace

std::string CrashConversationId(int64_t op) {
  return absl::StrCat("crash-", op / kOpsPerConversation);
}

absl::Status ApplyCrashOp(Storage& storage, int64_t op) {
  const std::string id = CrashConversationId(op);
  switch (op % kOpsPerConversation) {
    case 0:
      return storage
          .CreateConversation(
              id, absl::StrCat("user-", (op / kOpsPerConversation) % 5),
              (op / kOpsPerConversation) % 2 == 0 ? "free" : "monthly")
          .status();
    case 6:
      return storage.AddAssistantMessage(id, absl::StrCat("[", OpJson(op), "]"),
                                         "[]", OpJson(op), OpJson(op));
    case 7:
      return storage.SaveFollowUpAnswers(id, OpJson(op));
    default:
      return storage.AddUserMessage(id, absl::StrCat("op-", op));
  }
}

absl::StatusOr<bool> CrashOpApplied(Storage& storage, int64_t op) {
  ASSIGN_OR_RETURN(std::optional<Conversation> conversation,
                   storage.GetConversation(CrashConversationId(op)));
  if (!conversation.has_value()) return false;
  switch (op % kOpsPerConversation) {
    case 0:
      return true;
    case 7:
      return conversation->has_follow_up();
    default:
      for (const Message& message : conversation->messages()) {
        if (IsMessageOf(message, op)) return true;
      }
      return false;
  }
}

absl::Status CheckCrashStore(Storage& storage, int64_t last) {
  const int64_t conversations = last < 0 ? 0 : last / kOpsPerConversation + 1;
  for (int64_t c = 0; c < conversations; ++c) {
    const int64_t first = c * kOpsPerConversation;
    const std::string id = CrashConversationId(first);
    ASSIGN_OR_RETURN(std::optional<Conversation> conversation,
                     storage.GetConversation(id));
    if (!conversation.has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat(id, ": missing (op ", first, ")"));
    }
    std::vector<int64_t> expected;
    bool follow_up = false;
    for (int64_t op = first + 1; op <= last && op < first + kOpsPerConversation;
         ++op) {
      if (op % kOpsPerConversation == 7) {
        follow_up = true;
      } else {
        expected.push_back(op);
      }
    }
    if (conversation->messages_size() != static_cast<int>(expected.size())) {
      return absl::FailedPreconditionError(absl::StrCat(
          id, ": ", conversation->messages_size(), " messages, expected ",
          expected.size(), " (ops up to ", last, ")"));
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      if (!IsMessageOf(conversation->messages(static_cast<int>(i)),
                       expected[i])) {
        return absl::FailedPreconditionError(
            absl::StrCat(id, ": message ", i, " is not the one op ",
                         expected[i], " appended"));
      }
    }
    const int64_t follow_up_op = first + 7;
    if (conversation->has_follow_up() != follow_up ||
        conversation->report_cycle() != (follow_up ? 1 : 0) ||
        (follow_up &&
         conversation->follow_up_answers_json() != OpJson(follow_up_op))) {
      return absl::FailedPreconditionError(absl::StrCat(
          id, ": follow-up state is not that of ops up to ", last));
    }
  }
  ASSIGN_OR_RETURN(StorageCounts counts, storage.Count());
  if (counts.conversations != conversations) {
    return absl::FailedPreconditionError(
        absl::StrCat(counts.conversations, " conversations, expected ",
                     conversations, " (ops up to ", last, ")"));
  }
  return absl::OkStatus();
}

}  // namespace testing
}  // namespace parley
