#include "cli/workload.h"

#include <array>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/json_value.h"
#include "storage/status_macros.h"

namespace parley {
namespace {

// SplitMix64: small, fast, and the same everywhere.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  int Uniform(int n) { return static_cast<int>(Next() % n); }

 private:
  uint64_t state_;
};

Random RandomFor(uint64_t seed, int user, int conversation, int exchange,
                 int stream) {
  Random mix(seed);
  uint64_t s = mix.Next() ^ (static_cast<uint64_t>(user) * 0x100000001B3ULL);
  s = Random(s).Next() ^ (static_cast<uint64_t>(conversation + 1) << 20);
  s = Random(s).Next() ^ (static_cast<uint64_t>(exchange + 1) << 8);
  return Random(Random(s).Next() + stream);
}

constexpr std::array<const char*, 24> kWords = {
    "the",     "council", "model",    "answer",   "question", "review",
    "rank",    "stage",   "response", "because",  "evidence", "careful",
    "summary", "detail",  "option",   "consider", "however",  "clearly",
    "result",  "overall", "approach", "strong",   "weak",     "final"};
constexpr std::array<const char*, 4> kNonAscii = {"café", "naïve", "✓",
                                                  "日本語"};
constexpr std::array<const char*, 4> kModels = {
    "openai/gpt-5", "google/gemini-3-pro", "anthropic/claude-sonnet-4.5",
    "x-ai/grok-4"};
constexpr std::array<const char*, 3> kGenders = {"female", "male",
                                                 "non-binary"};
constexpr std::array<const char*, 4> kAgeRanges = {"18-24", "25-34", "35-44",
                                                   "45-54"};
constexpr std::array<const char*, 4> kMoods = {"curious", "tired", "happy",
                                               "anxious"};

// Text of about `length` characters (words count as their UTF-8 bytes).
std::string Text(Random& random, int length, bool non_ascii) {
  std::string text;
  while (static_cast<int>(text.size()) < length) {
    if (!text.empty()) text.push_back(' ');
    if (non_ascii && random.Uniform(8) == 0) {
      text += kNonAscii[random.Uniform(kNonAscii.size())];
    } else {
      text += kWords[random.Uniform(kWords.size())];
    }
  }
  return text;
}

JsonValue Str(std::string s) { return JsonValue::String(std::move(s)); }

}  // namespace

std::string Workload::UserId(int user) const {
  return absl::StrFormat("user_%06d", user);
}

std::string Workload::Email(int user) const {
  return absl::StrCat(UserId(user), "@example.com");
}

std::string Workload::ProfileJson(int user) const {
  Random random = RandomFor(params_.seed, user, -1, -1, 1);
  JsonValue profile = JsonValue::Object();
  profile.Set("gender", Str(kGenders[random.Uniform(kGenders.size())]));
  profile.Set("age_range", Str(kAgeRanges[random.Uniform(kAgeRanges.size())]));
  profile.Set("mood", Str(kMoods[random.Uniform(kMoods.size())]));
  return WriteCompactJson(profile);
}

std::string Workload::Tier(int user) const {
  const int draw = RandomFor(params_.seed, user, -1, -1, 2).Uniform(10);
  if (draw < 7) return "free";
  return draw < 9 ? "monthly" : "yearly";
}

std::string Workload::StripeCustomerId(int user) const {
  return absl::StrFormat("cus_%06d", user);
}

std::string Workload::StripeSubscriptionId(int user) const {
  return absl::StrFormat("sub_%06d", user);
}

std::string Workload::ConversationId(int user, int conversation) const {
  Random random = RandomFor(params_.seed, user, conversation, -1, 3);
  const uint64_t a = random.Next();
  const uint64_t b = random.Next();
  std::string hex = absl::StrFormat("%016x%016x", a, b);
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-",
                      hex.substr(12, 4), "-", hex.substr(16, 4), "-",
                      hex.substr(20, 12));
}

std::string Workload::UserMessage(int user, int conversation,
                                  int exchange) const {
  Random random = RandomFor(params_.seed, user, conversation, exchange, 4);
  const bool non_ascii = random.Uniform(10) == 0;
  return Text(random, 200 + random.Uniform(201), non_ascii);
}

Workload::AssistantAnswer Workload::Answer(int user, int conversation,
                                           int exchange) const {
  Random random = RandomFor(params_.seed, user, conversation, exchange, 5);
  AssistantAnswer answer;
  JsonValue stage1 = JsonValue::Array();
  for (const char* model : kModels) {
    JsonValue item = JsonValue::Object();
    item.Set("model", Str(model));
    item.Set("response", Str(Text(random, 800, true)));
    stage1.array().push_back(std::move(item));
  }
  JsonValue stage2 = JsonValue::Array();
  for (const char* model : kModels) {
    JsonValue item = JsonValue::Object();
    item.Set("model", Str(model));
    item.Set("ranking", Str(absl::StrCat(Text(random, 260, false),
                                         "\nFINAL RANKING:\n1. Response A")));
    JsonValue parsed = JsonValue::Array();
    for (const char* label :
         {"Response A", "Response C", "Response B", "Response D"}) {
      parsed.array().push_back(Str(label));
    }
    item.Set("parsed_ranking", std::move(parsed));
    stage2.array().push_back(std::move(item));
  }
  JsonValue stage3 = JsonValue::Object();
  stage3.Set("model", Str(kModels[random.Uniform(kModels.size())]));
  stage3.Set("response", Str(Text(random, 1000, true)));

  JsonValue labels = JsonValue::Object();
  const char* letters[] = {"Response A", "Response B", "Response C",
                           "Response D"};
  for (int i = 0; i < 4; ++i) labels.Set(letters[i], Str(kModels[i]));
  JsonValue rankings = JsonValue::Array();
  const char* averages[] = {"1.75", "2.25", "2.5", "3.5"};
  for (int i = 0; i < 4; ++i) {
    JsonValue item = JsonValue::Object();
    item.Set("model", Str(kModels[i]));
    item.Set("average_rank", JsonValue::Number(averages[i]));
    item.Set("rankings_count", JsonValue::Integer(4));
    rankings.array().push_back(std::move(item));
  }
  JsonValue metadata = JsonValue::Object();
  metadata.Set("label_to_model", std::move(labels));
  metadata.Set("aggregate_rankings", std::move(rankings));
  metadata.Set("request_id", JsonValue::Number("9007199254740993"));

  answer.stage1_json = WriteCompactJson(stage1);
  answer.stage2_json = WriteCompactJson(stage2);
  answer.stage3_json = WriteCompactJson(stage3);
  answer.metadata_json = WriteCompactJson(metadata);
  return answer;
}

absl::Status LoadUsers(Storage& storage, const Workload& workload,
                       int first_user, int end_user,
                       const std::function<void(const char* op)>& on_op) {
  auto done = [&](const char* op) {
    if (on_op) on_op(op);
  };
  const WorkloadParams& p = workload.params();
  for (int u = first_user; u < end_user; ++u) {
    const std::string user_id = workload.UserId(u);
    RETURN_IF_ERROR(storage
                        .CreateUserProfile(user_id, workload.Email(u),
                                           workload.ProfileJson(u))
                        .status());
    done("create_user_profile");
    const std::string tier = workload.Tier(u);
    RETURN_IF_ERROR(storage.CreateSubscription(user_id, tier).status());
    done("create_subscription");
    if (workload.IsPaid(u)) {
      RETURN_IF_ERROR(
          storage
              .UpdateSubscription(
                  user_id,
                  absl::StrCat(R"({"stripe_customer_id":")",
                               workload.StripeCustomerId(u),
                               R"(","stripe_subscription_id":")",
                               workload.StripeSubscriptionId(u), R"("})"))
              .status());
      done("update_subscription");
    }
    for (int c = 0; c < p.conversations_per_user; ++c) {
      const std::string id = workload.ConversationId(u, c);
      RETURN_IF_ERROR(storage.CreateConversation(id, user_id, tier).status());
      done("create_conversation");
      for (int e = 0; e < p.exchanges; ++e) {
        RETURN_IF_ERROR(
            storage.AddUserMessage(id, workload.UserMessage(u, c, e)));
        done("add_user_message");
        const Workload::AssistantAnswer answer = workload.Answer(u, c, e);
        RETURN_IF_ERROR(storage.AddAssistantMessage(
            id, answer.stage1_json, answer.stage2_json, answer.stage3_json,
            answer.metadata_json));
        done("add_assistant_message");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace parley
