# Sourced by scripts/demo.sh and scripts/test.sh: make `uv` and the locked environment exist.
# Idempotent: a second run changes nothing and takes a second.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.local/bin:$PATH"
if ! command -v uv >/dev/null 2>&1; then
  echo "» installing uv (from PyPI) into ~/.local/bin" >&2
  # Debian and Ubuntu mark their python3 "externally managed" (PEP 668): pip refuses even a
  # --user install. uv is one self-contained binary in ~/.local/bin, touching no system
  # package, so that refusal is overridden for it alone. A virtualenv's pip takes no --user.
  python3 -m pip install --quiet --user uv 2>/dev/null \
    || python3 -m pip install --quiet --user --break-system-packages uv 2>/dev/null \
    || python3 -m pip install --quiet uv
fi
if ! command -v uv >/dev/null 2>&1; then
  echo "error: could not install uv with python3 -m pip (the lines above say why);" >&2
  echo "  install it (https://docs.astral.sh/uv/, or Debian's python3-pip first) and run again" >&2
  exit 4
fi

# Every command the README shows starts with `uv run`, typed in a new shell: that shell must
# find uv. Root gets a link in /usr/local/bin; anyone else gets ~/.local/bin on the PATH of
# login shells (~/.profile), said out loud. `hugopipe doctor` checks the same thing.
if ! env -i HOME="$HOME" TERM=dumb bash -lc 'command -v uv' >/dev/null 2>&1; then
  if [ -w /usr/local/bin ]; then
    ln -sf "$(command -v uv)" /usr/local/bin/uv
    echo "» linked uv into /usr/local/bin, so a new shell finds it" >&2
  else
    line='export PATH="$HOME/.local/bin:$PATH"  # uv, installed by hugopipe scripts/'
    grep -qsF "$line" "$HOME/.profile" || printf '\n%s\n' "$line" >>"$HOME/.profile"
    echo "» added ~/.local/bin (where uv is) to PATH in ~/.profile; open a new login shell," >&2
    echo "  or run: export PATH=\"\$HOME/.local/bin:\$PATH\"" >&2
  fi
fi

# The interpreter's real path: given a shim (pyenv), uv recreated the environment on every sync.
PYTHON_BIN="$(python3 -c 'import sys; print(sys.executable)')"
uv sync --frozen --quiet --python "$PYTHON_BIN"
# Bytecode, compiled once per lock file for the dependencies and every time for our own
# sources (0.1 s), so the first run of a command does not pay ~0.4 s compiling its imports.
# Not uv's compile-bytecode setting: with it, every `uv run` recompiles all of site-packages
# (0.4 s a call, uv 0.13.9), and `uv sync --compile-bytecode` takes ~20 s even when nothing changed.
STAMP="$ROOT/.venv/.hugopipe-bytecode"
LOCK_SUM="$(sha256sum uv.lock | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$LOCK_SUM" ]; then
  echo "» compiling the environment to bytecode (once per uv.lock)" >&2
  "$ROOT/.venv/bin/python" -m compileall -q -j 0 "$ROOT"/.venv/lib/python3*/site-packages >/dev/null || true
  echo "$LOCK_SUM" >"$STAMP"
fi
"$ROOT/.venv/bin/python" -m compileall -q -j 0 src flows tasks blocks deployments >/dev/null
