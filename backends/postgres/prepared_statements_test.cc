#include "backends/postgres/prepared_statements.h"

#include <string>

#include "gtest/gtest.h"

namespace parley {
namespace postgres {
namespace {

TEST(PreparedStatementsTest, PreparesOnFirstUseOnly) {
  PreparedStatements prepared("s_");
  PreparedStatements::Statement first = prepared.Use("SELECT 1");
  EXPECT_EQ(first.name, "s_0");
  EXPECT_TRUE(first.prepare);
  PreparedStatements::Statement again = prepared.Use("SELECT 1");
  EXPECT_EQ(again.name, "s_0");
  EXPECT_FALSE(again.prepare);
  PreparedStatements::Statement other = prepared.Use("SELECT 2");
  EXPECT_EQ(other.name, "s_1");
  EXPECT_TRUE(other.prepare);
  EXPECT_EQ(prepared.size(), 2);
}

TEST(PreparedStatementsTest, AForgottenStatementIsPreparedAgainUnderANewName) {
  PreparedStatements prepared("s_");
  ASSERT_EQ(prepared.Use("SELECT 1").name, "s_0");
  ASSERT_EQ(prepared.Use("SELECT 2").name, "s_1");
  prepared.Forget("SELECT 1");
  prepared.Forget("SELECT 3");  // never used: nothing to forget
  EXPECT_EQ(prepared.size(), 1);
  PreparedStatements::Statement again = prepared.Use("SELECT 1");
  EXPECT_EQ(again.name, "s_2");
  EXPECT_TRUE(again.prepare);
  EXPECT_FALSE(prepared.Use("SELECT 2").prepare);
}

TEST(PreparedStatementsTest, ClearForgetsAllAndNeverReusesAName) {
  PreparedStatements prepared("s_");
  ASSERT_EQ(prepared.Use("SELECT 1").name, "s_0");
  ASSERT_EQ(prepared.Use("SELECT 2").name, "s_1");
  prepared.Clear();
  EXPECT_EQ(prepared.size(), 0);
  PreparedStatements::Statement after = prepared.Use("SELECT 2");
  EXPECT_EQ(after.name, "s_2");
  EXPECT_TRUE(after.prepare);
}

TEST(PreparedStatementsTest, TheConnectionsAndThePipelinesNamesNeverMeet) {
  PreparedStatements connection(PreparedStatements::kConnectionPrefix);
  PreparedStatements lane(PreparedStatements::kPipelinePrefix);
  EXPECT_EQ(connection.Use("SELECT 1").name, "parley_0");
  EXPECT_EQ(lane.Use("SELECT 1").name, "parley_p0");
}

}  // namespace
}  // namespace postgres
}  // namespace parley
