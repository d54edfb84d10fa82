// Records that every SQL backend's tests write and read back, so that
// SQLite and PostgreSQL are held to the same "nothing lost" record.
#ifndef PARLEY_BACKENDS_SQL_TEST_RECORDS_H_
#define PARLEY_BACKENDS_SQL_TEST_RECORDS_H_

#include <string>

#include "proto/records.pb.h"

namespace parley {
namespace testing {

// An unknown key `key` with the JSON text `json`.
JsonField Extra(const std::string& key, const std::string& json);

// A conversation with everything that must survive: unknown keys in an
// unusual order, a null title, big integers, float texts, non-ASCII text, a
// bare-number payload, a payload text with insignificant white space (kept
// byte for byte below the facade), and an unknown key on a message.
Conversation RichConversation(const std::string& id);

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_TEST_RECORDS_H_
