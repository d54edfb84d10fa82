// The parameters of one SQL statement, owning the texts they bind.
#ifndef PARLEY_BACKENDS_SQL_SQL_PARAMS_H_
#define PARLEY_BACKENDS_SQL_SQL_PARAMS_H_

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "backends/sql/sql_connection.h"

namespace parley {
namespace sql {

// Parameters for one statement. The texts they reference are owned here, so
// a SqlParams can be built, moved and then executed.
//
// Move-only: a copy's values would still point into the original's texts.
// (Deleting the copy also makes std::vector move, not copy, SqlParams when
// it grows, although std::deque's move constructor is not noexcept.)
class SqlParams {
 public:
  SqlParams() { values_.reserve(16); }  // as many as a record's statement
  SqlParams(SqlParams&&) = default;
  SqlParams& operator=(SqlParams&&) = default;
  SqlParams(const SqlParams&) = delete;
  SqlParams& operator=(const SqlParams&) = delete;
  SqlParams& Add(SqlValue value) {
    values_.push_back(value);
    return *this;
  }
  // Binds a copy of `text`, owned by this object.
  SqlParams& AddOwnedText(std::string text, bool json = false);
  SqlParams& AddOptionalOwnedText(bool has, std::string text) {
    return has ? AddOwnedText(std::move(text)) : Add(SqlValue::Null());
  }
  // Keeps `owner`, which values added here view, alive as long as these
  // parameters.
  SqlParams& Keep(std::shared_ptr<const void> owner) {
    kept_.push_back(std::move(owner));
    return *this;
  }
  absl::Span<const SqlValue> span() const { return values_; }

 private:
  std::deque<std::string> owned_;  // a deque never moves its elements
  std::vector<std::shared_ptr<const void>> kept_;
  std::vector<SqlValue> values_;
};

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_SQL_PARAMS_H_
