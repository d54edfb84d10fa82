# Sourced by the tests in this folder: test cases recorded one by one into
# the JUnit XML Bazel reads ($XML_OUTPUT_FILE, so tests/run_all.sh counts
# each), Parley installed into a temporary prefix with //:install, and fresh
# empty stores of each backend.
set -uo pipefail

RUNFILES="${RUNFILES_DIR:-${TEST_SRCDIR:-$0.runfiles}}"
HERE="$RUNFILES/parley/tests/c_abi"
WORK="$(mktemp -d "${TEST_TMPDIR:-/tmp}/c_abi.XXXXXX")"
PREFIX="$WORK/prefix"
BACKENDS=(json sqlite postgresql)
mkdir -p "$WORK/cases"
_case_count=0

# case_result NAME PASSED(0|1) [DETAIL]: records one test case.
case_result() {
  _case_count=$((_case_count + 1))
  local file="$WORK/cases/$(printf '%05d' "$_case_count")"
  printf '%s' "$1" > "$file.name"
  printf '%s' "$2" > "$file.passed"
  printf '%s' "${3:-}" > "$file.detail"
  if [ "$2" = 1 ]; then echo "ok $1"; else echo "FAIL $1: ${3:-}"; fi
}

# check NAME COMMAND...: one case, passed when COMMAND exits 0 (its output
# is the failure's detail).
check() {
  local name="$1" out
  shift
  if out="$("$@" 2>&1)"; then
    case_result "$name" 1
  else
    case_result "$name" 0 "$(printf '%s' "$out" | tail -c 4000)"
  fi
}

# run_cases PREFIX COMMAND...: runs a program that prints "ok NAME" /
# "FAIL NAME: why" lines; one case per line (PREFIX.NAME), and PREFIX.exit for
# its exit status, which carries what AddressSanitizer / LeakSanitizer said.
run_cases() {
  local prefix="$1" rc line
  shift
  "$@" > "$WORK/run.out" 2> "$WORK/run.err"
  rc=$?
  while IFS= read -r line; do
    case "$line" in
      "ok "*) case_result "$prefix.${line#ok }" 1 ;;
      "FAIL "*)
        line="${line#FAIL }"
        case_result "$prefix.${line%%:*}" 0 "${line#*: }" ;;
    esac
  done < "$WORK/run.out"
  if [ $rc -eq 0 ]; then
    case_result "$prefix.exit" 1
  else
    case_result "$prefix.exit" 0 "exit $rc: $(tail -c 6000 "$WORK/run.err")"
  fi
}

# fresh_url BACKEND: the URL of a new, empty store (unique names: it runs in
# a subshell). PostgreSQL needs the test server (TEST_POSTGRES_URL): without
# it this fails, it never skips.
fresh_url() {
  case "$1" in
    json) echo "json:$(mktemp -d "$WORK/json.XXXXXX")" ;;
    sqlite) echo "sqlite:///$(mktemp -u "$WORK/sqlite.XXXXXX").db" ;;
    postgresql)
      if [ -z "${TEST_POSTGRES_URL:-}" ]; then
        echo "TEST_POSTGRES_URL is not set: start a throwaway server with" \
          "\`eval \"\$(bash tests/pg_test_server.sh start)\"\` and run" \
          "\`bazel test --test_env=TEST_POSTGRES_URL ...\`" >&2
        return 1
      fi
      local schema="parley_c_${BASHPID}_$RANDOM$RANDOM"
      psql -q -v ON_ERROR_STOP=1 "$TEST_POSTGRES_URL" \
        -c "CREATE SCHEMA $schema" >&2 || return 1
      local sep='?'
      case "$TEST_POSTGRES_URL" in *'?'*) sep='&' ;; esac
      echo "$TEST_POSTGRES_URL${sep}options=-csearch_path%3D$schema" ;;
    *) echo "fresh_url: unknown backend $1" >&2; return 1 ;;
  esac
}

# install_parley: //:install into $PREFIX, as a user would run it.
install_parley() {
  check install "$RUNFILES/parley/dist/install" --prefix "$PREFIX"
  export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
}

# finish: writes the JUnit XML and exits 1 when any case failed.
finish() {
  python3 - "$WORK/cases" "${XML_OUTPUT_FILE:-$WORK/test.xml}" \
    "${TEST_TARGET:-c_abi}" <<'PY'
import os, sys
from xml.sax.saxutils import quoteattr, escape
folder, out, suite = sys.argv[1:]
cases, failed = [], 0
for base in sorted({f.rsplit(".", 1)[0] for f in os.listdir(folder)}):
    read = lambda ext: open(os.path.join(folder, base + "." + ext), "rb").read().decode("utf-8", "replace")
    name, passed, detail = read("name"), read("passed") == "1", read("detail")
    if passed:
        cases.append("  <testcase name=%s classname=%s/>" % (quoteattr(name), quoteattr(suite)))
    else:
        failed += 1
        cases.append("  <testcase name=%s classname=%s><failure message=%s>%s</failure></testcase>"
                     % (quoteattr(name), quoteattr(suite), quoteattr(detail[:200]), escape(detail)))
with open(out, "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n')
    f.write('<testsuite name=%s tests="%d" failures="%d">\n' % (quoteattr(suite), len(cases), failed))
    f.write("\n".join(cases) + "\n</testsuite>\n</testsuites>\n")
print("%d passed, %d failed" % (len(cases) - failed, failed))
sys.exit(1 if failed or not cases else 0)
PY
  exit $?
}
