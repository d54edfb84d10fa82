#include "storage/export_format.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "storage/json_value.h"
#include "storage/posix_error.h"
#include "storage/record_digest.h"
#include "storage/record_json.h"
#include "storage/status_macros.h"
#include "storage/status_util.h"

namespace parley {
namespace {

constexpr absl::string_view kCountNames[] = {"profiles", "subscriptions",
                                             "conversations"};

// Owns a FILE* and closes it when the export gives up.
struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

std::string HeaderLine(const std::string& source_name) {
  JsonValue header = JsonValue::Object();
  header.Set("format", JsonValue::String(kExportFormat));
  header.Set("version", JsonValue::Integer(kExportVersion));
  header.Set("created_at",
             JsonValue::String(absl::FormatTime(
                 "%Y-%m-%dT%H:%M:%S", absl::Now(), absl::UTCTimeZone())));
  header.Set("source", JsonValue::String(source_name));
  return WriteCompactJson(header) + "\n";
}

std::string TrailerLine(const MigrationStats& stats) {
  JsonValue counts = JsonValue::Object();
  for (int k = 0; k < kRecordKinds; ++k) {
    counts.Set(kCountNames[k], JsonValue::Integer(stats.kinds[k].read));
  }
  counts.Set("messages", JsonValue::Integer(stats.messages_read));
  JsonValue trailer = JsonValue::Object();
  trailer.Set("format", JsonValue::String(kExportTrailerFormat));
  trailer.Set("counts", std::move(counts));
  trailer.Set("skipped_bad", JsonValue::Integer(stats.records_bad()));
  return WriteCompactJson(trailer) + "\n";
}

class ExportVisitor final : public CanonicalRecordVisitor {
 public:
  ExportVisitor(FILE* out, const std::string& path,
                const ExportOptions& options, MigrationStats* stats)
      : out_(out),
        path_(path),
        options_(options),
        stats_(stats),
        timer_(stats) {}

  void Finish() { timer_.Finish(); }

 private:
  absl::Status Bad(RecordKind kind, absl::string_view id,
                   const absl::Status& status) {
    return stats_->SkipOrFail(options_.skip_bad, kind, id, status);
  }

  absl::Status OnCanonicalRecord(RecordKind kind, absl::string_view id,
                                 const absl::StatusOr<std::string>& text,
                                 int64_t messages) override {
    timer_.Enter(kind);
    if (!text.ok()) return Bad(kind, id, text.status());
    const std::string line = absl::StrCat("{\"kind\":\"", RecordKindName(kind),
                                          "\",\"record\":", *text, "}\n");
    if (std::fwrite(line.data(), 1, line.size(), out_) != line.size()) {
      return PosixError(absl::StrCat("write ", path_), errno);
    }
    KindStats& k = stats_->of(kind);
    ++k.read;
    ++k.added;
    stats_->messages_read += messages;
    stats_->messages_written += messages;
    ++done_;
    if (options_.on_record) options_.on_record(done_);
    return absl::OkStatus();
  }

  FILE* const out_;
  const std::string& path_;
  const ExportOptions& options_;
  MigrationStats* const stats_;
  KindTimer timer_;
  int64_t done_ = 0;
};

absl::Status WriteExport(RecordSource& source, FILE* out,
                         const std::string& path, const ExportOptions& options,
                         MigrationStats* stats) {
  const std::string header = HeaderLine(source.name());
  if (std::fputs(header.c_str(), out) == EOF) {
    return PosixError(absl::StrCat("write ", path), errno);
  }
  ExportVisitor visitor(out, path, options, stats);
  RETURN_IF_ERROR(source.Scan(visitor));
  visitor.Finish();
  const std::string trailer = TrailerLine(*stats);
  if (std::fputs(trailer.c_str(), out) == EOF || std::fflush(out) != 0 ||
      ::fsync(::fileno(out)) != 0) {
    return PosixError(absl::StrCat("write ", path), errno);
  }
  return absl::OkStatus();
}

// ---- Reading ---------------------------------------------------------------

class ExportFile final : public RecordSource {
 public:
  explicit ExportFile(std::string path) : path_(std::move(path)) {}

  const std::string& name() const override { return path_; }

  absl::StatusOr<StoreCounts> Count() override {
    ASSIGN_OR_RETURN(JsonValue trailer, ReadTrailer());
    const JsonValue* counts = trailer.Find("counts");
    if (counts == nullptr || !counts->is_object()) {
      return Damaged("the trailer has no counts");
    }
    int64_t values[4] = {0, 0, 0, 0};
    const absl::string_view names[4] = {kCountNames[0], kCountNames[1],
                                        kCountNames[2], "messages"};
    for (int i = 0; i < 4; ++i) {
      const JsonValue* v = counts->Find(names[i]);
      if (v == nullptr || !v->is_number() || !v->AsInt64(&values[i])) {
        return Damaged(absl::StrCat("the trailer has no count of ", names[i]));
      }
    }
    return StoreCounts{values[0], values[1], values[2], values[3]};
  }

  absl::Status Scan(RecordVisitor& visitor) override;

 private:
  absl::Status Damaged(absl::string_view problem, int64_t line = 0) const {
    return absl::DataLossError(
        line > 0 ? absl::StrCat(path_, ":", line, ": ", problem)
                 : absl::StrCat(path_, ": ", problem));
  }
  absl::Status Open(std::ifstream& in) const {
    in.open(path_, std::ios::binary);
    if (!in.is_open()) {
      return PosixError(absl::StrCat("open ", path_), errno);
    }
    return absl::OkStatus();
  }
  absl::StatusOr<JsonValue> ReadTrailer() const;
  absl::Status CheckTrailer(const JsonValue& trailer, const int64_t read[],
                            int64_t messages, int64_t line) const;

  const std::string path_;
};

absl::StatusOr<JsonValue> ExportFile::ReadTrailer() const {
  std::ifstream in;
  RETURN_IF_ERROR(Open(in));
  // The trailer is short; the last 64 KiB hold it unless the file is damaged.
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff from = size > 65536 ? size - 65536 : 0;
  in.seekg(from);
  std::string tail(static_cast<size_t>(size - from), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  while (!tail.empty() && tail.back() == '\n') tail.pop_back();
  const size_t start = tail.rfind('\n');
  absl::StatusOr<JsonValue> trailer =
      ParseJson(start == std::string::npos ? tail : tail.substr(start + 1));
  const JsonValue* format =
      trailer.ok() && trailer->is_object() ? trailer->Find("format") : nullptr;
  if (format == nullptr || !format->is_string() ||
      format->string_value() != kExportTrailerFormat) {
    return Damaged("no trailer line: the export is incomplete");
  }
  return trailer;
}

absl::Status ExportFile::CheckTrailer(const JsonValue& trailer,
                                      const int64_t read[], int64_t messages,
                                      int64_t line) const {
  const JsonValue* counts = trailer.Find("counts");
  if (counts == nullptr || !counts->is_object()) {
    return Damaged("the trailer has no counts", line);
  }
  for (int k = 0; k < kRecordKinds; ++k) {
    const JsonValue* v = counts->Find(kCountNames[k]);
    int64_t expected = -1;
    if (v == nullptr || !v->is_number() || !v->AsInt64(&expected) ||
        expected != read[k]) {
      return Damaged(
          absl::StrCat("the trailer's count of ", kCountNames[k],
                       " does not match the ", read[k], " record lines"),
          line);
    }
  }
  const JsonValue* v = counts->Find("messages");
  int64_t expected = -1;
  if (v == nullptr || !v->is_number() || !v->AsInt64(&expected) ||
      expected != messages) {
    return Damaged("the trailer's count of messages does not match", line);
  }
  return absl::OkStatus();
}

absl::Status ExportFile::Scan(RecordVisitor& visitor) {
  std::ifstream in;
  RETURN_IF_ERROR(Open(in));
  std::string text;
  int64_t line = 0;
  if (!std::getline(in, text)) return Damaged("empty file: not an export");
  ++line;
  {
    absl::StatusOr<JsonValue> header = ParseJson(text);
    const JsonValue* format =
        header.ok() && header->is_object() ? header->Find("format") : nullptr;
    if (format == nullptr || !format->is_string() ||
        format->string_value() != kExportFormat) {
      return Damaged("not a parley export (no header line)", 1);
    }
    const JsonValue* version = header->Find("version");
    int64_t v = 0;
    if (version == nullptr || !version->is_number() || !version->AsInt64(&v) ||
        v != kExportVersion) {
      return Damaged(absl::StrCat("unsupported export version (this code "
                                  "reads version ",
                                  kExportVersion, ")"),
                     1);
    }
  }
  int64_t read[kRecordKinds] = {0, 0, 0};
  int64_t messages = 0;
  int last_kind = 0;
  std::string last_id;
  bool any = false;
  while (std::getline(in, text)) {
    ++line;
    if (text.empty()) continue;
    absl::StatusOr<JsonValue> object = ParseJson(text);
    if (!object.ok() || !object->is_object()) {
      return Damaged("not a JSON object", line);
    }
    const JsonValue* format = object->Find("format");
    if (format != nullptr) {
      if (!format->is_string() ||
          format->string_value() != kExportTrailerFormat) {
        return Damaged("unexpected header line", line);
      }
      RETURN_IF_ERROR(CheckTrailer(*object, read, messages, line));
      while (std::getline(in, text)) {
        ++line;
        if (!text.empty()) return Damaged("text after the trailer", line);
      }
      return absl::OkStatus();
    }
    const JsonValue* kind_name = object->Find("kind");
    JsonValue* record = object->Find("record");
    if (kind_name == nullptr || !kind_name->is_string() || record == nullptr) {
      return Damaged("expected {\"kind\":...,\"record\":...}", line);
    }
    absl::StatusOr<RecordKind> kind =
        ParseRecordKind(kind_name->string_value());
    if (!kind.ok()) return Damaged(kind.status().message(), line);
    const JsonValue* id_value =
        record->is_object()
            ? record->Find(*kind == RecordKind::kConversation ? "id"
                                                              : "user_id")
            : nullptr;
    if (id_value == nullptr || !id_value->is_string()) {
      return Damaged("record without an id", line);
    }
    const std::string& id = id_value->string_value();
    const int k = static_cast<int>(*kind);
    if (any && (k < last_kind || (k == last_kind && id <= last_id))) {
      return Damaged(
          "records out of order (each kind must be in ascending id order, "
          "profiles, then subscriptions, then conversations)",
          line);
    }
    any = true;
    last_kind = k;
    last_id = id;
    ++read[k];
    const std::string where = absl::StrCat(path_, ":", line);
    absl::Status visited;
    switch (*kind) {
      case RecordKind::kProfile: {
        absl::StatusOr<Profile> p = ProfileFromJson(*record);
        visited = p.ok() ? visitor.OnProfile(*p)
                         : visitor.OnBadRecord(kind_name->string_value(), id,
                                               Annotate(p.status(), where));
        break;
      }
      case RecordKind::kSubscription: {
        absl::StatusOr<Subscription> s = SubscriptionFromJson(*record);
        visited = s.ok() ? visitor.OnSubscription(*s)
                         : visitor.OnBadRecord(kind_name->string_value(), id,
                                               Annotate(s.status(), where));
        break;
      }
      case RecordKind::kConversation: {
        // Counted from the line, so that a record skipped as bad still
        // matches the trailer the exporter wrote.
        const JsonValue* list = record->Find("messages");
        if (list != nullptr && list->is_array()) {
          messages += static_cast<int64_t>(list->array().size());
        }
        absl::StatusOr<Conversation> c = ConversationFromJson(*record);
        visited = c.ok() ? visitor.OnConversation(*c)
                         : visitor.OnBadRecord(kind_name->string_value(), id,
                                               Annotate(c.status(), where));
        break;
      }
    }
    RETURN_IF_ERROR(visited);
  }
  if (in.bad()) return PosixError(absl::StrCat("read ", path_), errno);
  return Damaged("no trailer line: the export is incomplete", line);
}

}  // namespace

absl::StatusOr<MigrationStats> ExportToFile(RecordSource& source,
                                            const std::string& path,
                                            const ExportOptions& options) {
  const absl::Time start = absl::Now();
  const std::string temp = absl::StrCat(path, ".parley-tmp-", ::getpid());
  FilePtr out(std::fopen(temp.c_str(), "wb"));
  if (out == nullptr) {
    return PosixError(absl::StrCat("create ", temp), errno);
  }
  MigrationStats stats;
  absl::Status status = WriteExport(source, out.get(), path, options, &stats);
  if (status.ok() && std::fclose(out.release()) != 0) {
    status = PosixError(absl::StrCat("write ", path), errno);
  }
  if (status.ok() && std::rename(temp.c_str(), path.c_str()) != 0) {
    status = PosixError(absl::StrCat("rename to ", path), errno);
  }
  if (!status.ok()) {
    out.reset();
    std::remove(temp.c_str());
    return Annotate(status, absl::StrCat("export to ", path));
  }
  stats.elapsed = absl::Now() - start;
  return stats;
}

std::unique_ptr<RecordSource> ExportFileSource(std::string path) {
  return std::make_unique<ExportFile>(std::move(path));
}

}  // namespace parley
