// The original application's SQLAlchemy rewrite as a test fixture, shared by
// the SQLite and PostgreSQL adoption tests so that both dialects are held to
// the same rows and the same expectations: each test creates the rewrite's
// four tables in its own dialect (types differ), inserts kRewriteRows, opens
// the store with Parley, and calls ExpectRewriteRowsAdopted.
#ifndef PARLEY_BACKENDS_SQL_REWRITE_FIXTURE_H_
#define PARLEY_BACKENDS_SQL_REWRITE_FIXTURE_H_

#include "storage/backend.h"

namespace parley {
namespace testing {

// Rows as the rewrite stored them (INSERTs both dialects accept): a profile
// with every field and one with NULLs, a paid subscription with both Stripe
// ids, a conversation with a NULL title (the rewrite's "New Conversation"),
// and three messages, two of which share a created_at.
extern const char kRewriteRows[];

// Checks, through `backend`, that every row of kRewriteRows reads back as
// the JSON contract's record (profiles, the paid subscription and its Stripe
// ids, titles, timestamps in isoformat(), payloads, message order by
// (created_at, id)); that listing, counting and scanning agree; and that new
// messages, and conversations of users the rewrite never had, work on the
// adopted tables. Changes the store (it appends).
void ExpectRewriteRowsAdopted(Backend& backend);

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_REWRITE_FIXTURE_H_
