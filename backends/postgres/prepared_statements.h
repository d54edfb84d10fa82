// The server-side prepared statements of one libpq connection, by their SQL
// text: the blocking connection and each pipeline lane keep one. Internal to
// the PostgreSQL backend.
#ifndef PARLEY_BACKENDS_POSTGRES_PREPARED_STATEMENTS_H_
#define PARLEY_BACKENDS_POSTGRES_PREPARED_STATEMENTS_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace parley {
namespace postgres {

// SQL text -> the name of its statement on the server. Statements are
// prepared on first use (Use says when), forgotten one at a time when the
// server lost one or its plan went stale, and all at once when the
// connection is replaced.
//
// Names are `prefix` followed by a number that only ever grows, so no name
// is handed out twice for the life of this object: a statement prepared
// again after Forget or Clear gets a new name, and can never collide with
// one the server (or a pooler's other session) may still hold under the old
// one. Not thread-safe.
class PreparedStatements {
 public:
  // The prefixes in use: the blocking connection's and a pipeline lane's.
  // They differ, so that names the two hand out never meet even on one
  // server session (a pooler's).
  static constexpr char kConnectionPrefix[] = "parley_";
  static constexpr char kPipelinePrefix[] = "parley_p";

  explicit PreparedStatements(absl::string_view prefix) : prefix_(prefix) {}

  PreparedStatements(const PreparedStatements&) = delete;
  PreparedStatements& operator=(const PreparedStatements&) = delete;

  struct Statement {
    std::string name;
    // True the first time: the caller must prepare `name` now. It counts
    // as prepared from here on; Forget it when the prepare fails.
    bool prepare = false;
  };
  // The statement for `sql`, named (and remembered) on first use.
  Statement Use(const std::string& sql);

  // Forgets `sql`'s statement (its prepare failed, or the server no longer
  // has it): the next Use prepares it again, under a new name.
  void Forget(const std::string& sql) { names_.erase(sql); }
  // Forgets every statement (the connection was replaced).
  void Clear() { names_.clear(); }

  // How many statements are remembered as prepared.
  int size() const { return static_cast<int>(names_.size()); }

 private:
  const std::string prefix_;
  absl::flat_hash_map<std::string, std::string> names_;
  int next_ = 0;
};

}  // namespace postgres
}  // namespace parley

#endif  // PARLEY_BACKENDS_POSTGRES_PREPARED_STATEMENTS_H_
