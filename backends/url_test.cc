#include "storage/url.h"

#include <climits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "backends/builtin_backends.h"
#include "backends/sql/pool_options.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/backend_type.h"

namespace parley {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsNull;
using ::testing::Not;
using ::testing::Pair;

using Options = std::vector<std::pair<std::string, std::string>>;

// Parses `url` in the form of the backend its scheme selects, without the
// backend's option checks (tested through ParseDatabaseUrl below), failing
// the test (not crashing) when it does not parse.
absl::StatusOr<StorageUrl> ParseForm(absl::string_view url) {
  absl::StatusOr<std::string> scheme = StorageUrl::SchemeOf(url, "");
  const BackendType* type =
      scheme.ok() ? BuiltinBackends().Find(*scheme) : nullptr;
  if (type == nullptr) return ParseDatabaseUrl(url);
  return type->ParseUrlFormOnly(url);
}

StorageUrl MustParse(absl::string_view url) {
  absl::StatusOr<StorageUrl> parsed = ParseForm(url);
  EXPECT_TRUE(parsed.ok()) << url << ": " << parsed.status();
  if (parsed.ok()) return *std::move(parsed);
  return *BuiltinBackends().Find("json")->ParseUrlFormOnly("json:failed");
}

// The status of parsing `url`, which must fail with InvalidArgument.
absl::Status MustFail(absl::string_view url) {
  absl::StatusOr<StorageUrl> parsed = ParseDatabaseUrl(url);
  EXPECT_FALSE(parsed.ok()) << url << " parsed as " << parsed->Redacted();
  if (parsed.ok()) return absl::OkStatus();
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
      << url << ": " << parsed.status();
  return parsed.status();
}

std::string ErrorMessage(absl::string_view url) {
  return std::string(MustFail(url).message());
}

MATCHER_P2(HostIs, host, port, "") {
  return arg.host == host && arg.port == port;
}

// --- json: -----------------------------------------------------------------

TEST(StorageUrlJsonTest, RelativePathIsTakenAsWritten) {
  for (absl::string_view path : {"data", "./data", "../x/data"}) {
    const StorageUrl url = MustParse(absl::StrCat("json:", path));
    EXPECT_EQ(url.type().name(), "json");
    EXPECT_EQ(url.scheme(), "json");
    EXPECT_EQ(url.path(), path);
    EXPECT_TRUE(url.options().empty());
  }
}

TEST(StorageUrlJsonTest, AbsolutePathIsTakenAsWritten) {
  EXPECT_EQ(MustParse("json:/srv/app/data").path(), "/srv/app/data");
}

TEST(StorageUrlJsonTest, ThreeSlashesIsRelativeAndFourIsAbsolute) {
  EXPECT_EQ(MustParse("json:///rel/path").path(), "rel/path");
  EXPECT_EQ(MustParse("json:////abs/path").path(), "/abs/path");
}

TEST(StorageUrlJsonTest, EmptyPathIsInvalidArgument) {
  for (absl::string_view url :
       {"json:", "json://", "json:///", "json:?fsync=false"}) {
    EXPECT_THAT(ErrorMessage(url), HasSubstr("empty path")) << url;
  }
}

TEST(StorageUrlJsonTest, HostIsInvalidArgument) {
  EXPECT_THAT(ErrorMessage("json://host/data"), HasSubstr("not a host"));
}

TEST(StorageUrlJsonTest, PathAndOptionsArePercentDecoded) {
  const StorageUrl url = MustParse("json:my%20data?fsync=false&note=a%26b");
  EXPECT_EQ(url.path(), "my data");
  EXPECT_THAT(url.options(),
              ElementsAre(Pair("fsync", "false"), Pair("note", "a&b")));
}

// --- sqlite:// ---------------------------------------------------------------

TEST(StorageUrlSqliteTest, ThreeSlashesIsRelativeAndFourIsAbsolute) {
  const StorageUrl relative = MustParse("sqlite:///relative.db");
  EXPECT_EQ(relative.type().name(), "sqlite");
  EXPECT_EQ(relative.path(), "relative.db");
  EXPECT_EQ(MustParse("sqlite:////absolute.db").path(), "/absolute.db");
  EXPECT_EQ(MustParse("sqlite:///sub/dir/x.db").path(), "sub/dir/x.db");
}

TEST(StorageUrlSqliteTest, MemoryForms) {
  EXPECT_EQ(MustParse("sqlite:///:memory:").path(), ":memory:");
  // SQLAlchemy opens an in-memory database when the path is empty; the
  // SQLite backend does the same with an empty path
  // (backends/sqlite/sqlite_backend_test.cc opens one).
  EXPECT_EQ(MustParse("sqlite://").path(), "");
  EXPECT_EQ(MustParse("sqlite:///").path(), "");
  EXPECT_EQ(MustParse("sqlite://?cache=shared").path(), "");
}

TEST(StorageUrlSqliteTest, DriverFormsMeanTheSame) {
  for (absl::string_view scheme : {"sqlite+aiosqlite", "sqlite+pysqlite"}) {
    const StorageUrl url = MustParse(absl::StrCat(scheme, ":///x.db"));
    EXPECT_EQ(url.type().name(), "sqlite");
    EXPECT_EQ(url.scheme(), scheme);
    EXPECT_EQ(url.path(), "x.db");
    EXPECT_EQ(MustParse(absl::StrCat(scheme, "://")).path(), "");
  }
}

TEST(StorageUrlSqliteTest, HostIsInvalidArgumentExplainingThreeSlashes) {
  EXPECT_THAT(ErrorMessage("sqlite://host/x.db"), HasSubstr("three slashes"));
  EXPECT_THAT(ErrorMessage("sqlite://relative.db"), HasSubstr("three slashes"));
  EXPECT_THAT(ErrorMessage("sqlite:relative.db"), HasSubstr("three slashes"));
}

TEST(StorageUrlSqliteTest, OptionsAreParsed) {
  const StorageUrl url = MustParse("sqlite:///x.db?timeout=5&mode=ro");
  EXPECT_EQ(url.path(), "x.db");
  EXPECT_THAT(url.options(),
              ElementsAre(Pair("timeout", "5"), Pair("mode", "ro")));
}

TEST(StorageUrlSqliteTest, PathIsPercentDecoded) {
  EXPECT_EQ(MustParse("sqlite:////tmp/my%20db%3F.db").path(), "/tmp/my db?.db");
}

// --- postgresql:// -----------------------------------------------------------

TEST(StorageUrlPostgresTest, FullUrl) {
  const StorageUrl url =
      MustParse("postgresql://bob:pw@db.example.com:5432/chat?sslmode=require");
  EXPECT_EQ(url.type().name(), "postgresql");
  EXPECT_EQ(url.scheme(), "postgresql");
  EXPECT_EQ(url.user(), "bob");
  EXPECT_EQ(url.password(), "pw");
  EXPECT_TRUE(url.has_password());
  EXPECT_THAT(url.hosts(), ElementsAre(HostIs("db.example.com", "5432")));
  EXPECT_EQ(url.path(), "chat");
  EXPECT_THAT(url.options(), ElementsAre(Pair("sslmode", "require")));
}

TEST(StorageUrlPostgresTest, EverySchemeSpellingIsPostgres) {
  for (absl::string_view scheme :
       {"postgresql", "postgres", "postgresql+asyncpg", "postgresql+psycopg2",
        "postgresql+psycopg"}) {
    const StorageUrl url = MustParse(absl::StrCat(scheme, "://h/db"));
    EXPECT_EQ(url.type().name(), "postgresql") << scheme;
    EXPECT_EQ(url.type().name(), "postgresql") << scheme;
    EXPECT_EQ(url.scheme(), scheme);
    EXPECT_EQ(url.path(), "db");
  }
}

TEST(StorageUrlTest, SchemeMatchingIsCaseInsensitiveAndKeepsSpelling) {
  const StorageUrl pg = MustParse("PostgreSQL+AsyncPG://h/db");
  EXPECT_EQ(pg.type().name(), "postgresql");
  EXPECT_EQ(pg.scheme(), "PostgreSQL+AsyncPG");
  EXPECT_EQ(pg.Redacted(), "PostgreSQL+AsyncPG://h/db");
  EXPECT_EQ(MustParse("JSON:data").type().name(), "json");
  EXPECT_EQ(MustParse("SQLite:///x.db").type().name(), "sqlite");
}

TEST(StorageUrlPostgresTest, UserinfoIsPercentDecoded) {
  const StorageUrl url = MustParse("postgresql://b%6Fb:p%40ss%3Aword@h/db");
  EXPECT_EQ(url.user(), "bob");
  EXPECT_EQ(url.password(), "p@ss:word");
}

TEST(StorageUrlPostgresTest, PasswordMayContainRawColonAndAt) {
  // The first ':' ends the user; the last '@' of the authority ends the
  // password.
  const StorageUrl url = MustParse("postgresql://bob:a:b@c@h/db");
  EXPECT_EQ(url.user(), "bob");
  EXPECT_EQ(url.password(), "a:b@c");
  EXPECT_THAT(url.hosts(), ElementsAre(HostIs("h", "")));
}

TEST(StorageUrlPostgresTest, HashIsAnOrdinaryCharacter) {
  // libpq URIs have no fragment.
  const StorageUrl url = MustParse("postgresql://bob:pa#ss@h/db");
  EXPECT_EQ(url.password(), "pa#ss");
  EXPECT_EQ(url.path(), "db");
}

TEST(StorageUrlPostgresTest, RawAtInOptionValueIsAllowed) {
  const StorageUrl url =
      MustParse("postgresql://h:5432/db?application_name=me@host");
  EXPECT_THAT(url.hosts(), ElementsAre(HostIs("h", "5432")));
  EXPECT_EQ(*url.FindOption("application_name"), "me@host");
  EXPECT_EQ(url.Redacted(),
            "postgresql://h:5432/db?application_name=me%40host");
}

TEST(StorageUrlPostgresTest, PlusStaysPlus) {
  const StorageUrl url = MustParse("postgresql://bob:a+b@h/d+b?opt=x+y");
  EXPECT_EQ(url.password(), "a+b");
  EXPECT_EQ(url.path(), "d+b");
  EXPECT_EQ(*url.FindOption("opt"), "x+y");
}

TEST(StorageUrlPostgresTest, UserWithoutPasswordHasNoPassword) {
  const StorageUrl url = MustParse("postgresql://bob@h/db");
  EXPECT_EQ(url.user(), "bob");
  EXPECT_FALSE(url.has_password());
  const StorageUrl empty = MustParse("postgresql://bob:@h/db");
  EXPECT_TRUE(empty.has_password());
  EXPECT_EQ(empty.password(), "");
  EXPECT_FALSE(MustParse("postgresql://h/db").has_password());
}

TEST(StorageUrlPostgresTest, EmptyHostIsTheLocalSocket) {
  const StorageUrl url = MustParse("postgresql:///db");
  EXPECT_THAT(url.hosts(), ElementsAre(HostIs("", "")));
  EXPECT_EQ(url.path(), "db");
  EXPECT_THAT(MustParse("postgresql://").hosts(), ElementsAre(HostIs("", "")));
  EXPECT_THAT(MustParse("postgresql://:5433/db").hosts(),
              ElementsAre(HostIs("", "5433")));
}

TEST(StorageUrlPostgresTest, SocketDirectoryHostIsDecoded) {
  const StorageUrl url = MustParse("postgresql://%2Fvar%2Frun%2Fpostgresql/db");
  EXPECT_THAT(url.hosts(), ElementsAre(HostIs("/var/run/postgresql", "")));
}

TEST(StorageUrlPostgresTest, SlashOnlyOrNoPathIsEmptyDatabase) {
  EXPECT_EQ(MustParse("postgresql://h").path(), "");
  EXPECT_EQ(MustParse("postgresql://h/").path(), "");
  EXPECT_EQ(MustParse("postgresql://h/?sslmode=disable").path(), "");
}

TEST(StorageUrlPostgresTest, DatabaseIsPercentDecoded) {
  EXPECT_EQ(MustParse("postgresql://h/my%20db%40x").path(), "my db@x");
}

TEST(StorageUrlPostgresTest, MultiHostWithTargetSessionAttrs) {
  const StorageUrl url = MustParse(
      "postgresql://bob@h1:5432,h2:5433,h3/chat"
      "?target_session_attrs=read-write");
  EXPECT_THAT(url.hosts(), ElementsAre(HostIs("h1", "5432"),
                                       HostIs("h2", "5433"), HostIs("h3", "")));
  EXPECT_EQ(url.path(), "chat");
  ASSERT_NE(url.FindOption("target_session_attrs"), nullptr);
  EXPECT_EQ(*url.FindOption("target_session_attrs"), "read-write");
}

TEST(StorageUrlPostgresTest, Ipv6HostsAreWrittenInBrackets) {
  EXPECT_THAT(MustParse("postgresql://[::1]:5432/db").hosts(),
              ElementsAre(HostIs("::1", "5432")));
  EXPECT_THAT(MustParse("postgresql://[2001:db8::1]/db").hosts(),
              ElementsAre(HostIs("2001:db8::1", "")));
  EXPECT_THAT(MustParse("postgresql://[fe80::1%25eth0]:5432,h2/db").hosts(),
              ElementsAre(HostIs("fe80::1%eth0", "5432"), HostIs("h2", "")));
}

TEST(StorageUrlPostgresTest, MalformedIpv6IsInvalidArgument) {
  EXPECT_THAT(ErrorMessage("postgresql://::1/db"), HasSubstr("brackets"));
  EXPECT_THAT(ErrorMessage("postgresql://[::1/db"), HasSubstr("']'"));
  EXPECT_THAT(ErrorMessage("postgresql://[::1]x/db"), HasSubstr("']'"));
}

TEST(StorageUrlPostgresTest, PortMustBeDigits) {
  const std::string message = ErrorMessage("postgresql://bob:pw@h:54x2/db");
  EXPECT_THAT(message, HasSubstr("port"));
  EXPECT_THAT(message, HasSubstr("54x2"));
  EXPECT_THAT(message, Not(HasSubstr("password")));
  for (absl::string_view url :
       {"postgresql://h:+5432/db", "postgresql://h:-1/db",
        "postgresql://h:5432%20/db", "postgresql://h1,h2:abc/db"}) {
    EXPECT_THAT(ErrorMessage(url), HasSubstr("port")) << url;
  }
}

TEST(StorageUrlPostgresTest, PortOutOfRangeIsInvalidArgument) {
  EXPECT_THAT(ErrorMessage("postgresql://h:0/db"), HasSubstr("65535"));
  EXPECT_THAT(ErrorMessage("postgresql://h:65536/db"), HasSubstr("65535"));
  EXPECT_THAT(ErrorMessage("postgresql://h:99999999999/db"),
              HasSubstr("65535"));
  EXPECT_THAT(MustParse("postgresql://h:65535/db").hosts(),
              ElementsAre(HostIs("h", "65535")));
}

TEST(StorageUrlPostgresTest, RawAtAfterHostListIsInvalidArgument) {
  // Usually a password with an unencoded '/'.
  EXPECT_THAT(ErrorMessage("postgresql://bob:pa/ss@h/db"),
              HasSubstr("percent-encode"));
}

TEST(StorageUrlPostgresTest, MissingSlashesIsInvalidArgument) {
  EXPECT_THAT(ErrorMessage("postgresql:h/db"), HasSubstr("postgresql://"));
}

// --- Options -----------------------------------------------------------------

TEST(StorageUrlOptionsTest, KeptInWrittenOrderAndDecoded) {
  const StorageUrl url = MustParse(
      "postgresql://h/db?sslmode=require&application_name=my%20app"
      "&options=-c%20search_path%3Dx&empty=");
  EXPECT_THAT(url.options(), ElementsAre(Pair("sslmode", "require"),
                                         Pair("application_name", "my app"),
                                         Pair("options", "-c search_path=x"),
                                         Pair("empty", "")));
}

TEST(StorageUrlOptionsTest, RepeatedKeyKeepsLastValueAtFirstPosition) {
  const StorageUrl url = MustParse("json:data?a=1&b=2&a=3");
  EXPECT_THAT(url.options(), ElementsAre(Pair("a", "3"), Pair("b", "2")));
  EXPECT_EQ(*url.FindOption("a"), "3");
}

TEST(StorageUrlOptionsTest, FindOptionOfAbsentKeyIsNull) {
  const StorageUrl url = MustParse("json:data?a=1");
  EXPECT_THAT(url.FindOption("b"), IsNull());
  EXPECT_THAT(url.FindOption("A"), IsNull());
}

TEST(StorageUrlOptionsTest, EmptySegmentsAreSkipped) {
  EXPECT_THAT(MustParse("json:data?a=1&&b=2&").options(),
              ElementsAre(Pair("a", "1"), Pair("b", "2")));
  EXPECT_TRUE(MustParse("json:data?").options().empty());
}

TEST(StorageUrlOptionsTest, KeyWithoutEqualsIsInvalidArgument) {
  EXPECT_THAT(ErrorMessage("postgresql://h/db?sslmode"),
              HasSubstr("\"sslmode\" has no '='"));
  EXPECT_THAT(ErrorMessage("json:data?a=1&fsync"), HasSubstr("no '='"));
}

TEST(StorageUrlOptionsTest, EmptyKeyIsInvalidArgument) {
  EXPECT_THAT(ErrorMessage("sqlite:///x.db?=1"), HasSubstr("empty name"));
}

// --- Unknown schemes ---------------------------------------------------------

TEST(StorageUrlTest, UnknownSchemeIsInvalidArgumentWithRedactedUrl) {
  EXPECT_EQ(ErrorMessage("mysql://u:pw@h/db"),
            "database URL mysql://u:***@h/db: unsupported scheme \"mysql\"; "
            "expected json:, sqlite:// or postgresql://");
  for (absl::string_view url :
       {"http://example.com/db", "sqlite+pysqlcipher:///x.db", "json+x:data",
        "postgresql+pg9000://h/db", "file:///tmp/x"}) {
    EXPECT_THAT(ErrorMessage(url), HasSubstr("unsupported scheme")) << url;
  }
}

TEST(StorageUrlTest, MissingSchemeIsInvalidArgument) {
  for (absl::string_view url :
       {"data", "./data", "/srv/data", "1abc://h/db", "//h/db", "", "   "}) {
    EXPECT_THAT(ErrorMessage(url), HasSubstr("expected json:, sqlite:// or "
                                             "postgresql://"))
        << url;
  }
}

TEST(StorageUrlTest, SurroundingWhitespaceIsIgnored) {
  EXPECT_EQ(MustParse("  json:data\n").path(), "data");
}

// --- Percent escapes and NUL bytes ------------------------------------------

TEST(StorageUrlTest, MalformedEscapeIsInvalidArgumentNamingTheComponent) {
  const std::pair<absl::string_view, absl::string_view> cases[] = {
      {"json:da%zzta", "path"},
      {"json:data%4", "path"},
      {"sqlite:///x%g1.db", "path"},
      {"postgresql://b%zzob@h/db", "user name"},
      {"postgresql://bob:pw%zz@h/db", "password"},
      {"postgresql://bob:pw%4@h/db", "password"},
      {"postgresql://bob:pw%@h/db", "password"},
      {"postgresql://h%zz/db", "host 1"},
      {"postgresql://h1,h%zz2/db", "host 2"},
      {"postgresql://h:54%zz/db", "port of host 1"},
      {"postgresql://h/d%zzb", "database name"},
      {"postgresql://h/db%4", "database name"},
      {"postgresql://h/db?k%zz=v", "option name"},
      {"postgresql://h/db?sslmode=re%zzquire", "option \"sslmode\""},
      {"json:data?fsync=%4", "option \"fsync\""},
  };
  for (const auto& [url, component] : cases) {
    const std::string message = ErrorMessage(url);
    EXPECT_THAT(message, HasSubstr("bad percent escape")) << url;
    EXPECT_THAT(message, HasSubstr(component)) << url;
  }
}

TEST(StorageUrlTest, NulByteAfterDecodingIsInvalidArgument) {
  for (absl::string_view url :
       {"json:da%00ta", "sqlite:///x%00.db", "postgresql://b%00ob@h/db",
        "postgresql://bob:p%00w@h/db", "postgresql://h%00x/db",
        "postgresql://h/d%00b", "postgresql://h/db?a=%00"}) {
    EXPECT_THAT(ErrorMessage(url), HasSubstr("NUL")) << url;
  }
}

// --- Redaction ---------------------------------------------------------------

TEST(StorageUrlRedactedTest, PostgresIsNormalizedWithPasswordHidden) {
  EXPECT_EQ(MustParse("postgresql+asyncpg://bob:pw@db.example.com:5432/chat"
                      "?sslmode=require")
                .Redacted(),
            "postgresql+asyncpg://bob:***@db.example.com:5432/chat"
            "?sslmode=require");
  EXPECT_EQ(MustParse("postgres://bob@h1:1,[::1]:2,/db").Redacted(),
            "postgres://bob@h1:1,[::1]:2,/db");
  EXPECT_EQ(MustParse("postgresql:///db").Redacted(), "postgresql:///db");
  EXPECT_EQ(MustParse("postgresql://h/").Redacted(), "postgresql://h");
  EXPECT_EQ(MustParse("postgresql://bob:@h").Redacted(),
            "postgresql://bob:***@h");
}

TEST(StorageUrlRedactedTest, ComponentsAreReEncoded) {
  EXPECT_EQ(MustParse("postgresql://a%40b:p@%2Ftmp%2Fsock/my%20db"
                      "?application_name=x%26y%2Bz")
                .Redacted(),
            "postgresql://a%40b:***@%2Ftmp%2Fsock/my%20db"
            "?application_name=x%26y%2Bz");
  EXPECT_EQ(MustParse("postgresql://[fe80::1%25eth0]/db").Redacted(),
            "postgresql://[fe80::1%25eth0]/db");
}

TEST(StorageUrlRedactedTest, JsonAndSqliteKeepTheWrittenForm) {
  for (absl::string_view url :
       {"json:data", "json:./data", "json:/srv/app/data", "json:///rel/path",
        "json:////abs/path", "json:data?fsync=false", "sqlite:///relative.db",
        "sqlite:////absolute.db", "sqlite:///:memory:", "sqlite://",
        "sqlite+aiosqlite:///x.db?timeout=5"}) {
    EXPECT_EQ(MustParse(url).Redacted(), url);
  }
  EXPECT_EQ(MustParse("json:my data").Redacted(), "json:my%20data");
  EXPECT_EQ(MustParse("json:a%3Fb").Redacted(), "json:a%3Fb");
}

TEST(StorageUrlRedactedTest, PasswordOptionsAreHidden) {
  EXPECT_EQ(MustParse("postgresql://bob@h/db?password=pw&sslpassword=key"
                      "&sslmode=verify-full")
                .Redacted(),
            "postgresql://bob@h/db?password=***&sslpassword=***"
            "&sslmode=verify-full");
  EXPECT_EQ(MustParse("json:data?PASSWORD=pw").Redacted(),
            "json:data?PASSWORD=***");
  // A key that only decodes to "password" is hidden as well.
  EXPECT_EQ(MustParse("postgresql://h/db?pass%77ord=pw").Redacted(),
            "postgresql://h/db?password=***");
}

constexpr absl::string_view kCanary = "CANARY-s3cret";

TEST(StorageUrlRedactedTest, PasswordNeverAppearsInRedacted) {
  for (const std::string& url : {
           absl::StrCat("postgresql://bob:", kCanary, "@h/db"),
           absl::StrCat("postgresql+asyncpg://bob:", kCanary, "@h1,h2:5/db"),
           absl::StrCat("postgresql://:", kCanary, "@/db"),
           absl::StrCat("postgresql://bob:", kCanary, "%40x@h/db"),
           absl::StrCat("postgresql://bob@h/db?password=", kCanary),
           absl::StrCat("postgresql://bob@h/db?sslpassword=", kCanary),
           absl::StrCat("postgresql://bob@h/db?Password=", kCanary, "&a=b"),
           absl::StrCat("json:data?password=", kCanary),
           absl::StrCat("sqlite:///x.db?password=", kCanary),
       }) {
    const std::string redacted = MustParse(url).Redacted();
    EXPECT_THAT(redacted, Not(HasSubstr("CANARY"))) << url;
    EXPECT_THAT(redacted, Not(HasSubstr("s3cret"))) << url;
    EXPECT_THAT(redacted, HasSubstr("***")) << url;
  }
}

TEST(StorageUrlRedactedTest, PasswordNeverAppearsInErrors) {
  const std::string c(kCanary);
  const std::string battery[] = {
      "postgresql://bob:" + c + "@db:54x2/chat",
      "postgresql://bob:" + c + "@db:99999/chat",
      "postgresql://bob:" + c + "@h1,h2:abc/chat",
      "postgresql://bob:" + c + "%zz@db/chat",
      "postgresql://bob:" + c + "%4@db/chat",
      "postgresql://bob:" + c + "%@db/chat",
      "postgresql://bob:" + c + "%00@db/chat",
      "postgresql://b%zzob:" + c + "@db/chat",
      "postgresql://bob:" + c + "@d%zzb/chat",
      "postgresql://bob:" + c + "@db/ch%zzat",
      "postgresql://bob:" + c + "@db/ch%00at",
      "postgresql://bob:" + c + "@db/chat?sslmode",
      "postgresql://bob:" + c + "@db/chat?=x",
      "postgresql://bob:" + c + "@db/chat?a=%zz",
      "postgresql://bob:" + c + "@db/chat?pool_size=abc",
      "postgresql://bob:" + c + "@db/chat?pool_pre_ping=maybe",
      "postgresql://bob:" + c + "@[::1/chat",
      "postgresql://bob:" + c + "@::1/chat",
      "postgresql:bob:" + c + "@db/chat",
      "  postgresql+asyncpg://bob:" + c + "@h:x/db\n",
      // Raw '@', '/' and '?' in the password move a strict reading's
      // boundaries.
      "postgresql://bob:" + c + "@x@db:bad/chat",
      "postgresql://bob:CANARY/s3cret@db/chat",
      "postgresql://bob:CANARY?s3cret@db/chat",
      "postgresql://bob:CANARY?s3cret=1@db:x/chat",
      "postgresql://bob:12?CANARY-s3cret@db/chat",
      "postgresql://bob:12?CANARY=s3cret%zz@db/chat",
      "postgresql://bob:CANARY/s3cret@db:x/chat?application_name=a@b",
      "postgresql://bob:CAN@ARY/s3cret@db/chat",
      // Unknown or missing schemes.
      "mysql://bob:" + c + "@db/chat",
      "http://bob:" + c + "@db/chat",
      "MySQL://bob:" + c + "@db/chat?password=" + c,
      "bob:" + c + "@db/chat",
      "//bob:" + c + "@db/chat",
      "postgresql//bob:" + c + "@db/chat",
      "sqlite://bob:" + c + "@host/x.db",
      "json://bob:" + c + "@host/data",
      // Secrets in options.
      "postgresql://bob@db/chat?password=" + c + "&pool_size=x",
      "postgresql://bob@db/chat?sslpassword=" + c + "&sslmode",
      "postgresql://bob@db/chat?password=" + c + "@x&sslmode",
      "postgresql://bob@db:x/chat?password=" + c,
      "postgresql://bob@db/chat?pass%zzword=" + c,
      "postgresql://bob@db/chat?password=" + c + "%zz",
      "mysql://bob@db/chat?password=" + c,
      "json:data?password=" + c + "&fsync",
      "sqlite:///x.db?sslpassword=" + c + "&pool_timeout=soon",
  };
  for (const std::string& url : battery) {
    const std::string message = ErrorMessage(url);
    EXPECT_THAT(message, Not(HasSubstr("CANARY"))) << url << "\n" << message;
    EXPECT_THAT(message, Not(HasSubstr("s3cret"))) << url << "\n" << message;
  }
}

// Found by tests/fuzz/url_fuzzer: a ':' and an '@' in an earlier option
// made the error redaction hide from the ':' to the '@' and with it the '?',
// so the secret options after the '@' were shown.
TEST(StorageUrlRedactedTest, PasswordOptionAfterColonAndAtIsHiddenInErrors) {
  const std::string c(kCanary);
  const std::string battery[] = {
      "postgresql://db/chat?application_name=a:b@c&password=" + c + "&x=%zz",
      "postgresql://db/chat?options=-c%20x:y@z&sslpassword=" + c + "&sslmode",
      "postgresql://bob:" + c + "@db/chat?application_name=a:b@c&x=%zz",
  };
  for (const std::string& url : battery) {
    const std::string message = ErrorMessage(url);
    EXPECT_THAT(message, Not(HasSubstr("CANARY"))) << url << "\n" << message;
    EXPECT_THAT(message, Not(HasSubstr("s3cret"))) << url << "\n" << message;
  }
}

TEST(StorageUrlRedactedTest, RoundTripThroughRedactedIsStable) {
  for (absl::string_view text : {
           "json:data",
           "json:///rel/path",
           "json:////abs/path",
           "json:my%20data?fsync=false",
           "sqlite://",
           "sqlite:///:memory:",
           "sqlite:////abs/x.db?timeout=5",
           "postgresql://bob@db.example.com:5432/chat?sslmode=require",
           "postgres://h1:5432,h2:5433,h3/chat?target_session_attrs=read-write",
           "postgresql+asyncpg://[::1]:5432,[fe80::1%25eth0]/db",
           "postgresql:///db",
           "postgresql://",
           "postgresql://%2Fvar%2Frun/my%20db?application_name=a+b%26c&a=1&a=2",
           "postgresql://we%40ird%3Auser@h/d%2Fb?k%3D=v%3D",
       }) {
    const StorageUrl url = MustParse(text);
    const std::string redacted = url.Redacted();
    const StorageUrl again = MustParse(redacted);
    EXPECT_EQ(again.Redacted(), redacted) << text;
    EXPECT_EQ(&again.type(), &url.type()) << text;
    EXPECT_EQ(again.scheme(), url.scheme()) << text;
    EXPECT_EQ(again.path(), url.path()) << text;
    EXPECT_EQ(again.user(), url.user()) << text;
    EXPECT_EQ(again.has_password(), url.has_password()) << text;
    EXPECT_EQ(again.path(), url.path()) << text;
    EXPECT_EQ(again.options(), url.options()) << text;
    ASSERT_EQ(again.hosts().size(), url.hosts().size()) << text;
    for (size_t i = 0; i < url.hosts().size(); ++i) {
      EXPECT_EQ(again.hosts()[i].host, url.hosts()[i].host) << text;
      EXPECT_EQ(again.hosts()[i].port, url.hosts()[i].port) << text;
    }
  }
}

// --- Pool options ------------------------------------------------------------

TEST(PoolOptionsTest, DefaultsAreSqlAlchemys) {
  absl::StatusOr<PoolOptions> options =
      ReadPoolOptions(MustParse("postgresql://h/db"));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->pool_size, 5);
  EXPECT_EQ(options->max_overflow, 10);
  EXPECT_EQ(options->pool_timeout_s, 30);
  EXPECT_EQ(options->pool_recycle_s, -1);
  EXPECT_FALSE(options->pool_pre_ping);
}

TEST(PoolOptionsTest, GivenValuesAreRead) {
  absl::StatusOr<PoolOptions> options = ReadPoolOptions(
      MustParse("postgresql://h/db?pool_size=20&max_overflow=-1"
                "&pool_timeout=2.5&pool_recycle=3600&pool_pre_ping=Yes"));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->pool_size, 20);
  EXPECT_EQ(options->max_overflow, -1);
  EXPECT_EQ(options->pool_timeout_s, 2.5);
  EXPECT_EQ(options->pool_recycle_s, 3600);
  EXPECT_TRUE(options->pool_pre_ping);
}

TEST(PoolOptionsTest, SqlAlchemySpecialValuesAreAccepted) {
  absl::StatusOr<PoolOptions> options = ReadPoolOptions(
      MustParse("sqlite:///x.db?pool_size=0&pool_timeout=0&pool_recycle=-1"));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->pool_size, 0);
  EXPECT_EQ(options->pool_timeout_s, 0);
  EXPECT_EQ(options->pool_recycle_s, -1);
}

// Regression: SQLite capped connections at pool_size + max_overflow even when
// either said "no limit" (max_overflow=-1 gave pool_size - 1).
TEST(PoolOptionsTest, NoLimitMeansNoLimit) {
  PoolOptions options;
  EXPECT_EQ(options.max_connections(), 15);
  options.max_overflow = -1;
  EXPECT_EQ(options.max_connections(), INT_MAX);
  options.max_overflow = 10;
  options.pool_size = 0;
  EXPECT_EQ(options.max_connections(), INT_MAX);
}

// Regression: SQLite accepted pool_recycle and pool_pre_ping and ignored them.
TEST(PoolOptionsTest, SqliteRefusesOptionsItCannotHonour) {
  for (absl::string_view option : {"pool_recycle=60", "pool_pre_ping=true"}) {
    EXPECT_THAT(ErrorMessage(absl::StrCat("sqlite:///x.db?", option)),
                HasSubstr("applies to client-server stores"))
        << option;
  }
  EXPECT_TRUE(ParseDatabaseUrl("postgresql://h/db?pool_recycle=60&"
                               "pool_pre_ping=true")
                  .ok());
}

// Each backend checks its own options where the URL is read.
TEST(StorageUrlOptionsTest, UnknownOptionsAreRefusedWhenTheUrlIsRead) {
  EXPECT_THAT(ErrorMessage("json:data?note=1"),
              HasSubstr("unknown option \"note\" for a json store"));
  EXPECT_THAT(ErrorMessage("sqlite:///x.db?mode=ro"),
              HasSubstr("unknown option \"mode\""));
  EXPECT_THAT(ErrorMessage("json:data?fsync=maybe"),
              HasSubstr("fsync: expected true/false"));
}

TEST(PoolOptionsTest, MalformedValueIsInvalidArgumentNamingTheOption) {
  EXPECT_THAT(ErrorMessage("postgresql://h/db?pool_size=abc"),
              HasSubstr("pool_size: expected an integer, got \"abc\""));
  const std::pair<absl::string_view, absl::string_view> cases[] = {
      {"pool_size=-1", "pool_size"},
      {"pool_size=1.5", "pool_size"},
      {"pool_size=", "pool_size"},
      {"pool_size=99999999999", "pool_size"},
      {"max_overflow=-2", "max_overflow"},
      {"max_overflow=x", "max_overflow"},
      {"pool_timeout=-1", "pool_timeout"},
      {"pool_timeout=soon", "pool_timeout"},
      {"pool_timeout=nan", "pool_timeout"},
      {"pool_timeout=inf", "pool_timeout"},
      {"pool_recycle=-2", "pool_recycle"},
      {"pool_recycle=-0.5", "pool_recycle"},
      {"pool_recycle=1h", "pool_recycle"},
      {"pool_pre_ping=maybe", "pool_pre_ping"},
  };
  for (const auto& [query, option] : cases) {
    const std::string url = absl::StrCat("postgresql://h/db?", query);
    EXPECT_THAT(ErrorMessage(url), HasSubstr(absl::StrCat(option, ": ")))
        << url;
  }
}

TEST(PoolOptionsTest, RepeatedOptionUsesLastValue) {
  absl::StatusOr<PoolOptions> options =
      ReadPoolOptions(MustParse("json:data?pool_size=abc&pool_size=7"));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->pool_size, 7);
}

TEST(ParseBoolOptionTest, AcceptsEveryDocumentedSpellingInAnyCase) {
  for (absl::string_view value : {"true", "TRUE", "1", "yes", "Yes", "on"}) {
    absl::StatusOr<bool> b = ParseBoolOption("fsync", value);
    ASSERT_TRUE(b.ok()) << value << ": " << b.status();
    EXPECT_TRUE(*b) << value;
  }
  for (absl::string_view value : {"false", "False", "0", "no", "NO", "off"}) {
    absl::StatusOr<bool> b = ParseBoolOption("fsync", value);
    ASSERT_TRUE(b.ok()) << value << ": " << b.status();
    EXPECT_FALSE(*b) << value;
  }
}

TEST(ParseBoolOptionTest, OtherValuesAreInvalidArgumentNamingTheOption) {
  for (absl::string_view value : {"", "maybe", "2", "t", " true", "enabled"}) {
    absl::StatusOr<bool> b = ParseBoolOption("fsync", value);
    ASSERT_FALSE(b.ok()) << value;
    EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(b.status().message()), HasSubstr("fsync: "));
  }
  absl::StatusOr<bool> secret = ParseBoolOption("password", "CANARY");
  ASSERT_FALSE(secret.ok());
  EXPECT_THAT(std::string(secret.status().message()), Not(HasSubstr("CANARY")));
}

}  // namespace
}  // namespace parley
