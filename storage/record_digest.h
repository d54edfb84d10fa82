// The canonical text of a record, a 128-bit digest over such texts, and a
// description of where two records differ: what migration compares.
//
// Canonical text: the record's JSON object (storage/record_json.h ToJson:
// the stored key order, number text exactly as written, unknown keys kept)
// written by WriteCompactJson. Two records are equal exactly when their
// canonical texts are byte-equal.
//
// The digest is FNV-1a with 128-bit state (offset basis and prime from the
// FNV specification, draft-eastlake-fnv). It is not cryptographic: it finds
// accidental differences (a collision between two given texts has odds of
// about 2^-128 for random changes) but anyone who can write records can
// forge a collision. Verification therefore compares canonical texts
// themselves; the digest only summarizes a whole kind in one line.
#ifndef PARLEY_STORAGE_RECORD_DIGEST_H_
#define PARLEY_STORAGE_RECORD_DIGEST_H_

#include <cstdint>
#include <string>

#include "absl/numeric/int128.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/records.pb.h"
#include "storage/backend.h"
#include "storage/record_kind.h"

namespace parley {

// The canonical text of a record. DataLoss (from record_json) when a payload
// text of the record is not JSON.
absl::StatusOr<std::string> CanonicalRecordJson(const Profile& profile);
absl::StatusOr<std::string> CanonicalRecordJson(
    const Subscription& subscription);
absl::StatusOr<std::string> CanonicalRecordJson(
    const Conversation& conversation);

// A RecordVisitor that sees each record as its canonical text: every
// On* call arrives as one OnCanonicalRecord, with the text, or with the error
// that stands in for it (a payload that is not JSON, or a record the scan
// could not read, reported through OnBadRecord). The subclass decides whether
// an error stops the scan (return it) or not (return OK).
class CanonicalRecordVisitor : public RecordVisitor {
 public:
  absl::Status OnProfile(const Profile& profile) final;
  absl::Status OnSubscription(const Subscription& subscription) final;
  absl::Status OnConversation(const Conversation& conversation) final;
  absl::Status OnBadRecord(absl::string_view kind, absl::string_view id,
                           const absl::Status& status) final;

 protected:
  // `messages`: the conversation's message count (0 for other kinds and for
  // an error).
  virtual absl::Status OnCanonicalRecord(
      RecordKind kind, absl::string_view id,
      const absl::StatusOr<std::string>& text, int64_t messages) = 0;
};

// FNV-1a, 128-bit. Not thread-safe; cheap to copy.
class Fnv1a128 {
 public:
  void Update(absl::string_view bytes);
  // Hashes `text` preceded by its length, so that a sequence of texts has
  // one digest per split ("ab","c" differs from "a","bc").
  void UpdateFramed(absl::string_view text);
  absl::uint128 value() const { return state_; }
  // 32 lower-case hex digits.
  std::string HexDigest() const;

 private:
  absl::uint128 state_ =
      absl::MakeUint128(0x6c62272e07bb0142ULL, 0x62b821756295c58dULL);
};

// Where canonical record texts `source` and `destination` (JSON objects)
// first differ, naming keys and message positions but never values:
//   key "title" differs
//   key "stripe_customer_id" missing in destination
//   key "x" only in destination
//   messages[3] differs        messages: 5 in source, 4 in destination
//   key order differs
// Empty when the texts are equal.
std::string DescribeDifference(absl::string_view source,
                               absl::string_view destination);

struct MessageDifference {
  int64_t missing = 0;    // positions only the source has
  int64_t extra = 0;      // positions only the destination has
  int64_t different = 0;  // positions both have, with different messages
};
// Compares the "messages" lists of two canonical conversation texts position
// by position.
MessageDifference CompareMessages(absl::string_view source,
                                  absl::string_view destination);

}  // namespace parley

#endif  // PARLEY_STORAGE_RECORD_DIGEST_H_
