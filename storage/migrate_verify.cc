#include "storage/migrate_verify.h"

#include <deque>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "storage/status_macros.h"
#include "storage/status_util.h"

namespace parley {
namespace {

// One record as a scan saw it.
struct Item {
  RecordKind kind = RecordKind::kProfile;
  std::string id;
  std::string text;  // canonical text; empty when bad
  int64_t messages = 0;
  bool bad = false;
  std::string error;  // when bad
};

// A bounded queue from one scanning thread to the merging thread.
// Thread-safe.
class ItemQueue {
 public:
  explicit ItemQueue(size_t capacity) : capacity_(capacity) {}

  // Blocks while full. False once the reader cancelled.
  bool Push(Item item) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_, absl::Condition(this, &ItemQueue::CanPush));
    if (cancelled_) return false;
    items_.push_back(std::move(item));
    return true;
  }
  // Blocks while empty and open. nullopt at the end (then status()).
  std::optional<Item> Pop() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_, absl::Condition(this, &ItemQueue::CanPop));
    if (items_.empty()) return std::nullopt;
    Item item = std::move(items_.front());
    items_.pop_front();
    return item;
  }
  void Close(absl::Status status) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    status_ = std::move(status);
  }
  void Cancel() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    items_.clear();
  }
  absl::Status status() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  bool CanPush() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return cancelled_ || items_.size() < capacity_;
  }
  bool CanPop() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || !items_.empty();
  }

  const size_t capacity_;
  absl::Mutex mu_;
  std::deque<Item> items_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

// Turns a scan into Items. Unreadable records become bad Items and the scan
// goes on: verification reports them rather than stopping.
class ItemVisitor : public CanonicalRecordVisitor {
 public:
  explicit ItemVisitor(std::function<bool(Item)> sink)
      : sink_(std::move(sink)) {}

 private:
  absl::Status OnCanonicalRecord(RecordKind kind, absl::string_view id,
                                 const absl::StatusOr<std::string>& text,
                                 int64_t messages) override {
    Item item;
    item.kind = kind;
    item.id = std::string(id);
    item.messages = messages;
    if (text.ok()) {
      item.text = *text;
    } else {
      item.bad = true;
      item.error = text.status().ToString();
    }
    if (!sink_(std::move(item))) {
      return absl::CancelledError("verification stopped");
    }
    return absl::OkStatus();
  }

  std::function<bool(Item)> sink_;
};

// Scans `source` on its own thread into a queue.
class Scanner {
 public:
  Scanner(RecordSource& source, size_t capacity)
      : source_(source), queue_(capacity) {
    thread_ = std::thread([this] {
      ItemVisitor visitor(
          [this](Item item) { return queue_.Push(std::move(item)); });
      queue_.Close(source_.Scan(visitor));
    });
  }
  ~Scanner() {
    queue_.Cancel();
    thread_.join();
  }

  // The next item, checked to come after the previous one. nullopt at the
  // end; then `*status` holds the scan's result.
  absl::StatusOr<std::optional<Item>> Next() {
    std::optional<Item> item = queue_.Pop();
    if (!item.has_value()) {
      absl::Status status = queue_.status();
      if (!status.ok()) return Annotate(status, absl::StrCat("scan ", name()));
      return std::nullopt;
    }
    const int kind = static_cast<int>(item->kind);
    if (started_ &&
        (kind < last_kind_ || (kind == last_kind_ && item->id <= last_id_))) {
      return absl::InternalError(absl::StrCat(
          "scan ", name(), ": ", RecordKindName(item->kind), " ", item->id,
          " came out of order (Scan must give ascending ids, bytewise)"));
    }
    started_ = true;
    last_kind_ = kind;
    last_id_ = item->id;
    return item;
  }

  const std::string& name() const { return source_.name(); }

 private:
  RecordSource& source_;
  ItemQueue queue_;
  std::thread thread_;
  bool started_ = false;
  int last_kind_ = 0;
  std::string last_id_;
};

// -1, 0, 1: the merge order of two items.
int Compare(const Item& a, const Item& b) {
  if (a.kind != b.kind) return a.kind < b.kind ? -1 : 1;
  return a.id.compare(b.id) < 0 ? -1 : (a.id == b.id ? 0 : 1);
}

class Merger {
 public:
  Merger(const VerifyOptions& options, VerifyReport* report)
      : options_(options), report_(report) {}

  void SourceOnly(const Item& a) {
    KindComparison& k = Kind(a.kind);
    if (a.bad) return Bad(a, &k.bad_source, &report_->bad_source);
    Count(a, &k.in_source, &report_->messages.in_source, source_digests_);
    ++k.missing;
    report_->messages.missing += a.messages;
    Note(a, "missing in destination");
  }
  void DestinationOnly(const Item& b) {
    KindComparison& k = Kind(b.kind);
    if (b.bad) return Bad(b, &k.bad_destination, &report_->bad_destination);
    Count(b, &k.in_destination, &report_->messages.in_destination,
          destination_digests_);
    ++k.extra;
    report_->messages.extra += b.messages;
    Note(b, "only in destination");
  }
  void Both(const Item& a, const Item& b) {
    KindComparison& k = Kind(a.kind);
    if (a.bad || b.bad) {
      // A record unreadable on one side is reported as bad there; the other
      // side's copy is neither missing nor extra.
      if (a.bad) {
        Bad(a, &k.bad_source, &report_->bad_source);
      } else {
        Count(a, &k.in_source, &report_->messages.in_source, source_digests_);
      }
      if (b.bad) {
        Bad(b, &k.bad_destination, &report_->bad_destination);
      } else {
        Count(b, &k.in_destination, &report_->messages.in_destination,
              destination_digests_);
      }
      return;
    }
    Count(a, &k.in_source, &report_->messages.in_source, source_digests_);
    Count(b, &k.in_destination, &report_->messages.in_destination,
          destination_digests_);
    if (a.text == b.text) return;
    ++k.different;
    if (a.kind == RecordKind::kConversation) {
      const MessageDifference m = CompareMessages(a.text, b.text);
      report_->messages.missing += m.missing;
      report_->messages.extra += m.extra;
      report_->messages.different += m.different;
    }
    if (report_->first_differences.size() < options_.max_listed) {
      Note(a, DescribeDifference(a.text, b.text));
    }
  }

  void Finish() {
    for (int k = 0; k < kRecordKinds; ++k) {
      report_->kinds[k].source_digest = source_digests_[k].HexDigest();
      report_->kinds[k].destination_digest =
          destination_digests_[k].HexDigest();
    }
  }

 private:
  KindComparison& Kind(RecordKind kind) {
    return report_->kinds[static_cast<int>(kind)];
  }
  void Count(const Item& item, int64_t* records, int64_t* messages,
             Fnv1a128* digests) {
    ++*records;
    *messages += item.messages;
    Fnv1a128& digest = digests[static_cast<int>(item.kind)];
    digest.UpdateFramed(item.id);
    digest.UpdateFramed(item.text);
  }
  void Bad(const Item& item, int64_t* count, std::vector<BadRecord>* list) {
    ++*count;
    if (list->size() < options_.max_listed) {
      list->push_back(BadRecord{item.kind, item.id, item.error});
    }
  }
  void Note(const Item& item, std::string what) {
    if (report_->first_differences.size() < options_.max_listed) {
      report_->first_differences.push_back(
          RecordDifference{item.kind, item.id, std::move(what)});
    }
  }

  const VerifyOptions& options_;
  VerifyReport* const report_;
  Fnv1a128 source_digests_[kRecordKinds];
  Fnv1a128 destination_digests_[kRecordKinds];
};

class DigestVisitor final : public CanonicalRecordVisitor {
 public:
  explicit DigestVisitor(StoreDigest* digest) : digest_(digest) {}
  void Finish() {
    for (int k = 0; k < kRecordKinds; ++k) {
      digest_->digests[k] = hashes_[k].HexDigest();
    }
  }

 private:
  absl::Status OnCanonicalRecord(RecordKind kind, absl::string_view id,
                                 const absl::StatusOr<std::string>& text,
                                 int64_t messages) override {
    if (!text.ok()) return text.status();
    const int k = static_cast<int>(kind);
    ++digest_->counts[k];
    digest_->messages += messages;
    hashes_[k].UpdateFramed(id);
    hashes_[k].UpdateFramed(*text);
    return absl::OkStatus();
  }

  StoreDigest* const digest_;
  Fnv1a128 hashes_[kRecordKinds];
};

}  // namespace

int64_t VerifyReport::differences() const {
  int64_t n = 0;
  for (const KindComparison& k : kinds) n += k.missing + k.extra + k.different;
  return n;
}

int64_t VerifyReport::bad_in_source() const {
  int64_t n = 0;
  for (const KindComparison& k : kinds) n += k.bad_source;
  return n;
}

int64_t VerifyReport::bad_in_destination() const {
  int64_t n = 0;
  for (const KindComparison& k : kinds) n += k.bad_destination;
  return n;
}

bool VerifyReport::clean(bool allow_bad_source) const {
  return differences() == 0 && bad_in_destination() == 0 &&
         (allow_bad_source || bad_in_source() == 0);
}

absl::StatusOr<VerifyReport> VerifyStores(RecordSource& source,
                                          RecordSource& destination,
                                          const VerifyOptions& options) {
  const absl::Time start = absl::Now();
  VerifyReport report;
  Merger merger(options, &report);
  const size_t capacity = options.queue_records > 0 ? options.queue_records : 1;
  // Destroying a Scanner cancels its queue and joins its thread, so an early
  // return below never leaves a thread behind.
  Scanner a(source, capacity);
  Scanner b(destination, capacity);
  ASSIGN_OR_RETURN(std::optional<Item> x, a.Next());
  ASSIGN_OR_RETURN(std::optional<Item> y, b.Next());
  while (x.has_value() || y.has_value()) {
    const int order = !y.has_value()   ? -1
                      : !x.has_value() ? 1
                                       : Compare(*x, *y);
    if (order < 0) {
      merger.SourceOnly(*x);
      ASSIGN_OR_RETURN(x, a.Next());
    } else if (order > 0) {
      merger.DestinationOnly(*y);
      ASSIGN_OR_RETURN(y, b.Next());
    } else {
      merger.Both(*x, *y);
      ASSIGN_OR_RETURN(x, a.Next());
      ASSIGN_OR_RETURN(y, b.Next());
    }
  }
  merger.Finish();
  report.elapsed = absl::Now() - start;
  return report;
}

bool operator==(const StoreDigest& a, const StoreDigest& b) {
  for (int k = 0; k < kRecordKinds; ++k) {
    if (a.counts[k] != b.counts[k] || a.digests[k] != b.digests[k]) {
      return false;
    }
  }
  return a.messages == b.messages;
}

std::string StoreDigest::DebugString() const {
  std::string out;
  for (int k = 0; k < kRecordKinds; ++k) {
    absl::StrAppend(&out, RecordKindName(static_cast<RecordKind>(k)), "s ",
                    counts[k], " ", digests[k], "; ");
  }
  absl::StrAppend(&out, "messages ", messages);
  return out;
}

absl::StatusOr<StoreDigest> DigestStore(RecordSource& source) {
  StoreDigest digest;
  DigestVisitor visitor(&digest);
  RETURN_IF_ERROR(source.Scan(visitor));
  visitor.Finish();
  return digest;
}

}  // namespace parley
