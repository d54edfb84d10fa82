#include "backends/sql/sql_plan.h"

namespace parley {
namespace sql {

absl::StatusOr<PlanChanges> RunPlanOn(SqlConnection& connection,
                                      const Plan& plan, PlanReader& reader) {
  PlanChanges changes;
  changes.reserve(plan.statements().size());
  reader.Restart();
  for (int i = 0; i < plan.size(); ++i) {
    const Plan::Statement& statement = plan.statements()[i];
    absl::StatusOr<int64_t> changed = connection.Execute(
        *statement.sql, statement.params.span(),
        [&reader, i](const SqlRow& row) { return reader.OnRow(i, row); });
    if (!changed.ok()) return changed.status();
    changes.push_back(*changed);
  }
  return changes;
}

}  // namespace sql
}  // namespace parley
