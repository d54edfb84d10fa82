#include "backends/postgres/postgres_wire.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace parley {
namespace postgres {

const char* BeginStatement(sql::TransactionMode mode) {
  switch (mode) {
    case sql::TransactionMode::kRead:
      return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    case sql::TransactionMode::kWrite:
      break;
  }
  return "BEGIN";
}

bool IsOkResult(const PGresult* result) {
  if (result == nullptr) return false;
  switch (PQresultStatus(result)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
      return true;
    default:
      return false;
  }
}

int64_t ChangedRows(const PGresult* result) {
  int64_t changed = 0;
  const char* tuples = PQcmdTuples(const_cast<PGresult*>(result));
  if (tuples == nullptr || *tuples == '\0' ||
      !absl::SimpleAtoi(tuples, &changed)) {
    return 0;
  }
  return changed;
}

absl::Status AppendCopyField(const sql::SqlValue& value, std::string* out) {
  switch (value.kind()) {
    case sql::SqlValue::Kind::kNull:
      out->append("\\N");
      return absl::OkStatus();
    case sql::SqlValue::Kind::kInt64:
      absl::StrAppend(out, value.int64());
      return absl::OkStatus();
    case sql::SqlValue::Kind::kBool:
      out->push_back(value.boolean() ? 't' : 'f');
      return absl::OkStatus();
    case sql::SqlValue::Kind::kText:
    case sql::SqlValue::Kind::kJson:
      break;
  }
  const absl::string_view text = value.text();
  static constexpr absl::string_view kSpecial("\\\n\r\t\0", 5);
  size_t plain = 0;  // start of the bytes not yet appended
  for (size_t i = text.find_first_of(kSpecial); i != absl::string_view::npos;
       i = text.find_first_of(kSpecial, i + 1)) {
    char escape;
    switch (text[i]) {
      case '\\':
        escape = '\\';
        break;
      case '\n':
        escape = 'n';
        break;
      case '\r':
        escape = 'r';
        break;
      case '\t':
        escape = 't';
        break;
      default:  // NUL
        return absl::InvalidArgumentError(
            "postgresql: a value to copy contains a NUL byte");
    }
    out->append(text.data() + plain, i - plain);
    out->push_back('\\');
    out->push_back(escape);
    plain = i + 1;
  }
  out->append(text.data() + plain, text.size() - plain);
  return absl::OkStatus();
}

absl::Status TextParams::Encode(absl::Span<const sql::SqlValue> params) {
  texts_.clear();
  // Reserved up front: values_ points into texts_, which must not move.
  texts_.reserve(params.size());
  values_.assign(params.size(), nullptr);
  for (size_t i = 0; i < params.size(); ++i) {
    const sql::SqlValue& param = params[i];
    switch (param.kind()) {
      case sql::SqlValue::Kind::kNull:
        continue;
      case sql::SqlValue::Kind::kText:
      case sql::SqlValue::Kind::kJson:
        if (param.text().find('\0') != absl::string_view::npos) {
          return absl::InvalidArgumentError(absl::StrCat(
              "postgresql: parameter $", i + 1, " contains a NUL byte"));
        }
        texts_.emplace_back(param.text());
        break;
      case sql::SqlValue::Kind::kInt64:
        texts_.push_back(absl::StrCat(param.int64()));
        break;
      case sql::SqlValue::Kind::kBool:
        texts_.emplace_back(param.boolean() ? "true" : "false");
        break;
    }
    values_[i] = texts_.back().c_str();
  }
  return absl::OkStatus();
}

bool PostgresRow::IsNull(int column) const {
  return PQgetisnull(result_, row_, column) != 0;
}

std::string PostgresRow::Text(int column) const {
  return std::string(PQgetvalue(result_, row_, column),
                     PQgetlength(result_, row_, column));
}

int64_t PostgresRow::Int64(int column) const {
  int64_t value = 0;
  // A bool or a NULL reads as 0, as SQLite's sqlite3_column_int64 does.
  if (!absl::SimpleAtoi(PQgetvalue(result_, row_, column), &value)) return 0;
  return value;
}

bool PostgresRow::Bool(int column) const {
  const absl::string_view text = PQgetvalue(result_, row_, column);
  // "t" from a boolean column; an integer column reads as its C truth.
  return text == "t" || text == "true" ||
         (!text.empty() && text != "f" && text != "false" && text != "0");
}

}  // namespace postgres
}  // namespace parley
