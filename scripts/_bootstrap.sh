# Sourced by scripts/demo.sh and scripts/test.sh: make `uv` and the locked environment exist.
# Idempotent: a second run changes nothing and takes a second.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.local/bin:$PATH"
if ! command -v uv >/dev/null 2>&1; then
  echo "» installing uv (from PyPI)" >&2
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
fi
if ! command -v uv >/dev/null 2>&1; then
  echo "error: could not install uv; install it (https://docs.astral.sh/uv/) and run again" >&2
  exit 4
fi
PYTHON_BIN="$(command -v python3)"
uv sync --frozen --quiet --python "$PYTHON_BIN"
