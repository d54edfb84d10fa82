#include "bench/raw_sql.h"

#include <utility>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/storage.h"

namespace parley {
namespace bench {
namespace {

constexpr char kConversationColumns[] =
    "id, user_id, created_at_text, title, starred, report_cycle, "
    "has_follow_up, follow_up_answers, is_visible, expires_at_text, "
    "extra_json, key_order";
constexpr char kMessageColumns[] =
    "role, content, stage1, stage2, stage3, metadata, extra_json, key_order";
constexpr char kSubscriptionColumns[] =
    "user_id, tier, status, stripe_subscription_id, current_period_end_text, "
    "created_at_text, updated_at_text, extra_json, key_order";

constexpr char kConversationKeys[] =
    R"(["id","user_id","created_at","title","starred","messages",)"
    R"("report_cycle","has_follow_up","follow_up_answers","is_visible",)"
    R"("expires_at"])";
constexpr char kProfileKeys[] =
    R"(["user_id","email","profile","created_at","profile_locked"])";
constexpr char kSubscriptionKeys[] =
    R"(["user_id","tier","status","stripe_subscription_id",)"
    R"("current_period_end","created_at","updated_at"])";
constexpr char kPaidSubscriptionKeys[] =
    R"(["user_id","tier","status","stripe_subscription_id",)"
    R"("current_period_end","created_at","updated_at","stripe_customer_id"])";

std::string Now() { return IsoTimestamp(absl::Now()); }

// The value of "key":"..." in a flat JSON object the workload wrote.
std::string Member(const std::string& json, const std::string& key) {
  const std::string needle = absl::StrCat("\"", key, "\":\"");
  size_t start = json.find(needle);
  if (start == std::string::npos) return "";
  start += needle.size();
  const size_t end = json.find('"', start);
  return json.substr(start, end - start);
}

std::string NewUuid() {
  thread_local absl::BitGen gen;
  const uint64_t a = absl::Uniform<uint64_t>(gen);
  const uint64_t b = absl::Uniform<uint64_t>(gen);
  std::string hex = absl::StrFormat("%016x%016x", a, b);
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-4",
                      hex.substr(13, 3), "-", hex.substr(16, 4), "-",
                      hex.substr(20, 12));
}

class RawSqlOpTarget : public OpTarget {
 public:
  RawSqlOpTarget(std::unique_ptr<RawConnection> c, bool row_locks)
      : c_(std::move(c)), row_locks_(row_locks) {}

  absl::Status Run(const Op& op) override {
    switch (op.kind) {
      case OpKind::kCreateUserProfile:
        return Write([&] { return CreateProfile(op); });
      case OpKind::kCreateSubscription:
        return Write([&] {
          return PutSubscription(op.user_id, op.text1, "", "", Now());
        });
      case OpKind::kUpdateSubscription:
        return Write([&] { return UpdateSubscription(op); });
      case OpKind::kCreateConversation:
        return Write([&] { return CreateConversation(op); });
      case OpKind::kAddUserMessage:
      case OpKind::kAddAssistantMessage:
        return Write([&] { return AppendMessage(op); });
      case OpKind::kListConversations:
        return c_->Exec(Stmt::kListUser, {RawParam::Text(op.user_id)}).status();
      case OpKind::kGetConversation:
        return GetConversation(op.id);
      case OpKind::kCountUserConversations:
        return c_->Exec(Stmt::kCountUser, {RawParam::Text(op.user_id)})
            .status();
      case OpKind::kGetActiveConversationsCount:
        return c_
            ->Exec(Stmt::kCountActive,
                   {RawParam::Text(op.user_id), RawParam::Text(Now())})
            .status();
      default:
        return absl::UnimplementedError(
            absl::StrCat("raw baseline: no ", OpName(op.kind)));
    }
  }

 private:
  // One write transaction; retried while the store is busy (SQLite's
  // lock past its busy timeout) or asks for a retry (PostgreSQL 40001,
  // 40P01), for up to a minute, as the backend does.
  template <typename Fn>
  absl::Status Write(Fn fn) {
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (true) {
      absl::Status status = WriteOnce(fn);
      if (status.ok() ||
          !(absl::IsUnavailable(status) || absl::IsAborted(status)) ||
          absl::Now() > deadline) {
        return status;
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
  }
  template <typename Fn>
  absl::Status WriteOnce(Fn& fn) {
    absl::Status status = c_->Begin(/*write=*/true);
    if (!status.ok()) return status;
    status = fn();
    if (!status.ok()) {
      c_->Rollback().IgnoreError();  // `status` says what went wrong
      return status;
    }
    return c_->Commit();
  }

  absl::Status CreateProfile(const Op& op) {
    const std::string now = Now();
    return c_
        ->Exec(
            Stmt::kUpsertProfile,
            {RawParam::Text(op.user_id), RawParam::Text(op.text1),
             RawParam::Text(Member(op.text2, "gender")),
             RawParam::Text(Member(op.text2, "age_range")),
             RawParam::Text(Member(op.text2, "mood")), RawParam::Bool(true),
             RawParam::Text(now), RawParam::Text(op.text2), RawParam::Text(now),
             RawParam::Null(), RawParam::Text(kProfileKeys)})
        .status();
  }

  absl::Status PutSubscription(const std::string& user_id,
                               const std::string& tier,
                               const std::string& customer,
                               const std::string& stripe_id,
                               const std::string& now) {
    absl::Status status =
        c_->Exec(Stmt::kEnsureUser, {RawParam::Text(user_id)}).status();
    if (!status.ok()) return status;
    const bool paid = !stripe_id.empty();
    return c_
        ->Exec(
            Stmt::kUpsertSubscription,
            {RawParam::Text(user_id), RawParam::Text(tier),
             RawParam::Text("active"),
             paid ? RawParam::Text(customer) : RawParam::Null(),
             paid ? RawParam::Text(stripe_id) : RawParam::Null(),
             RawParam::Null(), RawParam::Text(now), RawParam::Text(now),
             RawParam::Null(), RawParam::Text(now), RawParam::Text(now),
             paid ? RawParam::Text(absl::StrCat(R"({"stripe_customer_id":")",
                                                customer, "\"}"))
                  : RawParam::Null(),
             RawParam::Text(paid ? kPaidSubscriptionKeys : kSubscriptionKeys)})
        .status();
  }

  absl::Status UpdateSubscription(const Op& op) {
    absl::StatusOr<RawRows> rows =
        c_->Exec(Stmt::kSelectSubscription, {RawParam::Text(op.user_id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return absl::NotFoundError("subscription: not found");
    const std::vector<std::string>& row = rows->front();
    return PutSubscription(op.user_id, row[1],
                           Member(op.text1, "stripe_customer_id"),
                           Member(op.text1, "stripe_subscription_id"), Now());
  }

  absl::Status CreateConversation(const Op& op) {
    absl::Status status =
        c_->Exec(Stmt::kEnsureUser, {RawParam::Text(op.user_id)}).status();
    if (!status.ok()) return status;
    const absl::Time t = absl::Now();
    const std::string now = IsoTimestamp(t);
    const bool free = op.text1 == "free";
    const std::string expires = IsoTimestamp(t + absl::Hours(24 * 7));
    return c_
        ->Exec(Stmt::kInsertConversation,
               {RawParam::Text(op.id), RawParam::Text(op.user_id),
                RawParam::Text("New Conversation"), RawParam::Bool(false),
                free ? RawParam::Text(expires) : RawParam::Null(),
                RawParam::Int(0), RawParam::Bool(false), RawParam::Null(),
                RawParam::Text(now), RawParam::Bool(true), RawParam::Text(now),
                free ? RawParam::Text(expires) : RawParam::Null(),
                RawParam::Null(), RawParam::Text(kConversationKeys)})
        .status();
  }

  absl::Status AppendMessage(const Op& op) {
    // As the backend: the row lock where the database has one (PostgreSQL),
    // then one INSERT ... SELECT that takes the next position.
    if (row_locks_) {
      absl::StatusOr<RawRows> found =
          c_->Exec(Stmt::kLockConversation, {RawParam::Text(op.id)});
      if (!found.ok()) return found.status();
      if (found->empty()) {
        return absl::NotFoundError("conversation: not found");
      }
    }
    const int64_t position = 0;  // of a conversation's first message
    const bool user = op.kind == OpKind::kAddUserMessage;
    std::vector<RawParam> params = {
        RawParam::Text(NewUuid()), RawParam::Text(op.id),
        RawParam::Int(position), RawParam::Text(user ? "user" : "assistant")};
    if (user) {
      params.push_back(RawParam::Text(op.text1));
      for (int i = 0; i < 4; ++i) params.push_back(RawParam::Null());
      params.push_back(RawParam::Null());
      params.push_back(RawParam::Text(R"(["role","content"])"));
    } else {
      params.push_back(RawParam::Null());
      params.push_back(RawParam::Text(op.text1));
      params.push_back(RawParam::Text(op.text2));
      params.push_back(RawParam::Text(op.text3));
      params.push_back(RawParam::Text(op.text4));
      params.push_back(RawParam::Null());
      params.push_back(
          RawParam::Text(R"(["role","stage1","stage2","stage3","metadata"])"));
    }
    params.push_back(RawParam::Text(op.id));
    return c_->Exec(Stmt::kAppendMessage, params).status();
  }

  absl::Status GetConversation(const std::string& id) {
    // One snapshot for the record and its messages, as the backend reads.
    absl::Status status = c_->Begin(/*write=*/false);
    if (!status.ok()) return status;
    absl::StatusOr<RawRows> conversation =
        c_->Exec(Stmt::kSelectConversation, {RawParam::Text(id)});
    absl::StatusOr<RawRows> messages =
        conversation.ok() && !conversation->empty()
            ? c_->Exec(Stmt::kSelectMessages, {RawParam::Text(id)})
            : RawRows();
    if (!conversation.ok() || !messages.ok()) {
      c_->Rollback().IgnoreError();  // the read's error is what matters
      return conversation.ok() ? messages.status() : conversation.status();
    }
    return c_->Commit();
  }

  std::unique_ptr<RawConnection> c_;
  const bool row_locks_;
};

}  // namespace

std::string StmtText(Stmt stmt, const std::string& now,
                     const std::string& for_update, char placeholder) {
  std::string text;
  switch (stmt) {
    case Stmt::kEnsureUser:
      text =
          "INSERT INTO users (user_id, has_profile, updated_at) VALUES (?1, "
          "FALSE, NOW()) ON CONFLICT (user_id) DO NOTHING";
      break;
    case Stmt::kUpsertProfile:
      text =
          "INSERT INTO users (user_id, email, gender, age_range, mood, "
          "profile_locked, created_at, profile_json, created_at_text, "
          "extra_json, key_order, has_profile, updated_at) VALUES (?1, ?2, "
          "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, TRUE, NOW()) ON CONFLICT "
          "(user_id) DO UPDATE SET email = excluded.email, gender = "
          "excluded.gender, age_range = excluded.age_range, mood = "
          "excluded.mood, profile_locked = excluded.profile_locked, "
          "created_at = excluded.created_at, profile_json = "
          "excluded.profile_json, created_at_text = excluded.created_at_text, "
          "extra_json = excluded.extra_json, key_order = excluded.key_order, "
          "has_profile = excluded.has_profile, updated_at = "
          "excluded.updated_at";
      break;
    case Stmt::kSelectSubscription:
      text = absl::StrCat("SELECT ", kSubscriptionColumns,
                          " FROM subscriptions WHERE user_id = ?1 FOR UPDATE");
      break;
    case Stmt::kUpsertSubscription:
      text =
          "INSERT INTO subscriptions (user_id, tier, status, "
          "stripe_customer_id, stripe_subscription_id, current_period_end, "
          "created_at, updated_at, current_period_end_text, created_at_text, "
          "updated_at_text, extra_json, key_order) VALUES (?1, ?2, ?3, ?4, "
          "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT (user_id) DO "
          "UPDATE SET tier = excluded.tier, status = excluded.status, "
          "stripe_customer_id = excluded.stripe_customer_id, "
          "stripe_subscription_id = excluded.stripe_subscription_id, "
          "current_period_end = excluded.current_period_end, created_at = "
          "excluded.created_at, updated_at = excluded.updated_at, "
          "current_period_end_text = excluded.current_period_end_text, "
          "created_at_text = excluded.created_at_text, updated_at_text = "
          "excluded.updated_at_text, extra_json = excluded.extra_json, "
          "key_order = excluded.key_order";
      break;
    case Stmt::kInsertConversation:
      text =
          "INSERT INTO conversations (id, user_id, title, starred, "
          "expires_at, report_cycle, has_follow_up, follow_up_answers, "
          "created_at, is_visible, created_at_text, expires_at_text, "
          "extra_json, key_order, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
          "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, NOW())";
      break;
    case Stmt::kLockConversation:
      text = "SELECT 1 FROM conversations WHERE id = ?1 FOR UPDATE";
      break;
    case Stmt::kAppendMessage:
      text =
          "INSERT INTO messages (id, conversation_id, position, role, "
          "content, stage1, stage2, stage3, metadata, extra_json, key_order, "
          "created_at) SELECT ?1, ?2, (SELECT COALESCE(MAX(position) + 1, ?3) "
          "FROM messages WHERE conversation_id = ?12), ?4, ?5, ?6, ?7, ?8, "
          "?9, ?10, ?11, NOW() FROM conversations WHERE id = ?12";
      break;
    case Stmt::kListUser:
      text = absl::StrCat(
          "SELECT ", kConversationColumns,
          ", (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = "
          "conversations.id) FROM conversations WHERE user_id = ?1");
      break;
    case Stmt::kSelectConversation:
      text = absl::StrCat("SELECT ", kConversationColumns,
                          " FROM conversations WHERE id = ?1");
      break;
    case Stmt::kSelectMessages:
      text = absl::StrCat("SELECT ", kMessageColumns,
                          " FROM messages WHERE conversation_id = ?1 ORDER BY "
                          "position");
      break;
    case Stmt::kCountUser:
      text = "SELECT COUNT(*) FROM conversations WHERE user_id = ?1";
      break;
    case Stmt::kCountActive:
      text =
          "SELECT COUNT(*) FROM conversations WHERE user_id = ?1 AND "
          "(expires_at_text IS NULL OR expires_at_text > ?2)";
      break;
  }
  text =
      absl::StrReplaceAll(text, {{"NOW()", now}, {" FOR UPDATE", for_update}});
  if (placeholder != '?') {
    for (char& c : text) {
      if (c == '?') c = placeholder;
    }
  }
  return text;
}

std::unique_ptr<OpTarget> RawSqlTarget(
    std::unique_ptr<RawConnection> connection, bool row_locks) {
  return std::make_unique<RawSqlOpTarget>(std::move(connection), row_locks);
}

bool RawCovers(Phase phase) {
  return phase == Phase::kLoad || phase == Phase::kRead ||
         phase == Phase::kCount;
}

}  // namespace bench
}  // namespace parley
