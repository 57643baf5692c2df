#!/usr/bin/env bash
# The test suite: ruff, mypy, then pytest against real Hugo, a real Prefect server, moto over
# HTTP and chromium for the UI test.
#   scripts/test.sh [pytest args...]
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
uv run ruff check --quiet .
uv run ruff format --check --quiet .
uv run mypy
exec uv run pytest "$@"
