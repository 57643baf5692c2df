#!/usr/bin/env bash
# The test suite: ruff, mypy, then pytest against real Hugo, a real Prefect server, moto over
# HTTP and chromium for the UI test; then the tests marked `postgres` a second time on a
# PostgreSQL-backed Prefect server (README, "Growing beyond one machine").
#   scripts/test.sh [pytest args...]   (with arguments: one pytest run, those arguments)
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
if [ -z "${HUGOPIPE_TEST_DB:-}" ] && ! compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "» installing Debian's postgresql for the PostgreSQL-backed Prefect tests" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
      || echo "warning: could not install postgresql; the postgres and workers tests will fail" >&2
  else
    echo "warning: PostgreSQL missing (install Debian's postgresql, or set HUGOPIPE_TEST_DB);" >&2
    echo "  the postgres and workers tests will fail" >&2
  fi
fi
uv run ruff check --quiet .
uv run ruff format --check --quiet .
uv run mypy
if [ $# -gt 0 ]; then
  exec uv run pytest "$@"
fi
# The session's Prefect server on SQLite (the demo's), every test. HUGOPIPE_TEST_DB is left
# out here so a URL meant for the second pass does not move the first one.
env -u HUGOPIPE_TEST_DB uv run pytest
echo "» the tests marked postgres again, on a PostgreSQL-backed Prefect server" >&2
HUGOPIPE_TEST_DB="${HUGOPIPE_TEST_DB:-postgres}" exec uv run pytest -m postgres
