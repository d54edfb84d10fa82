#include "backends/sql/sql_params.h"

#include <string>
#include <utility>

#include "backends/sql/sql_connection.h"

namespace parley {
namespace sql {

SqlParams& SqlParams::AddOwnedText(std::string text, bool json) {
  owned_.push_back(std::move(text));
  return Add(json ? SqlValue::Json(owned_.back())
                  : SqlValue::Text(owned_.back()));
}

}  // namespace sql
}  // namespace parley
