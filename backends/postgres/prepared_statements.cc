#include "backends/postgres/prepared_statements.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace parley {
namespace postgres {

PreparedStatements::Statement PreparedStatements::Use(const std::string& sql) {
  auto [it, inserted] = names_.try_emplace(sql);
  if (inserted) it->second = absl::StrCat(prefix_, next_++);
  return Statement{it->second, inserted};
}

}  // namespace postgres
}  // namespace parley
