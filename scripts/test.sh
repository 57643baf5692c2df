#!/usr/bin/env bash
# The test suite: ruff, mypy, then pytest against real Hugo, a real Prefect server on
# PostgreSQL, moto over HTTP and chromium for the UI test; then the tests marked `sqlite` a
# second time on a SQLite-backed Prefect server, the demo's.
#   scripts/test.sh [pytest args...]   (with arguments: one pytest run of those, on PostgreSQL too)
# HUGOPIPE_TEST_DB=postgresql+asyncpg://user@host:port/db uses a running PostgreSQL server;
# otherwise the tests start a private one from Debian's packages (tests/postgres.py).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_bootstrap.sh"
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "» installing Debian's chromium for the Prefect UI test" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; browser tests will fail" >&2
  else
    echo "warning: /usr/bin/chromium missing (install Debian's chromium); browser tests will fail" >&2
  fi
fi
pg_found() { [ -n "${HUGOPIPE_TEST_DB:-}" ] || compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; }
if ! pg_found; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "» installing Debian's postgresql for the PostgreSQL-backed Prefect tests" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
      || echo "warning: could not install postgresql; every test runs on SQLite, the workers tests fail" >&2
  else
    echo "warning: PostgreSQL missing (install Debian's postgresql, or set HUGOPIPE_TEST_DB);" >&2
    echo "  every test runs on SQLite, and the workers tests fail" >&2
  fi
fi
uv run ruff check --quiet .
uv run ruff format --check --quiet .
uv run mypy
if [ $# -gt 0 ]; then  # on the database the full run uses, so a CI failure reproduces
  if pg_found; then export HUGOPIPE_TEST_DB="${HUGOPIPE_TEST_DB:-postgres}"; fi
  exec uv run pytest "$@"
fi
if pg_found; then
  # Every test against one session Prefect server on PostgreSQL. The suite drives that one
  # server from many processes at once (serve.py's flow runs, the CLI, the server's own
  # services), a load no single user's SQLite sees; there SQLite answered 503 "database is
  # locked" now and then and three CI runs in a row lost a test to it. The demo's SQLite is
  # tested by the second pass, and by the tests that start servers of their own on SQLite.
  HUGOPIPE_TEST_DB="${HUGOPIPE_TEST_DB:-postgres}" uv run pytest
  echo "» the tests marked sqlite again, on a SQLite-backed Prefect server (the demo's)" >&2
  exec env -u HUGOPIPE_TEST_DB uv run pytest -m sqlite
fi
echo "warning: no PostgreSQL, so every test runs on SQLite; expect a busy server's 503 now and then" >&2
exec uv run pytest
