"""A second approval factor the agent cannot hold: TOTP codes (RFC 6238) from a phone app.

The phrase in the Prefect UI proves only that *something* with API access resumed the run;
the agent has API access. A six-digit code from an authenticator app proves a person with
the enrolled phone typed it. The secret lives only with the process that runs production
flows (the serving process or the production worker), in one of:

- ``HUGOPIPE_APPROVAL_KEY_FILE``: a file outside the repository, readable only by that
  process's user (``hugopipe approval-key init`` writes it with mode 0600);
- ``HUGOPIPE_APPROVAL_TOTP_SECRET``: the base32 secret itself, for a service manager that
  injects secrets as variables.

Never a Prefect block or a file in the repository: anything that can reach the Prefect
API can read blocks, and the agent can read the repository. With neither set the factor
is off (the demo's default) and the form asks only for the phrase.

Standard library only (hmac, hashlib, base64): the algorithm is thirty lines and the RFC's
test vectors pin it (tests/test_totp.py); a dependency would add nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import struct
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, urlencode

from hugopipe.errors import ConfigError

KEY_FILE_VARIABLE = "HUGOPIPE_APPROVAL_KEY_FILE"
SECRET_VARIABLE = "HUGOPIPE_APPROVAL_TOTP_SECRET"
STEP = 30
DIGITS = 6
#: codes one step either side are accepted: a phone clock a little off, a slow typist
WINDOW = 1


def new_secret() -> str:
    """160 random bits, base32 without padding (what authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret_b32: str) -> bytes:
    text = secret_b32.strip().replace(" ", "").upper()
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except ValueError:
        raise ConfigError(
            "the approval key is not base32 text",
            hint="create a new one with `hugopipe approval-key init`",
        ) from None


def hotp(key: bytes, counter: int, digits: int = DIGITS, algorithm: str = "sha1") -> str:
    """RFC 4226 §5.3: HMAC of the big-endian counter, dynamically truncated."""
    mac = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, algorithm)).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def totp(secret_b32: str, at: float | None = None, digits: int = DIGITS) -> str:
    """The code for ``at`` (default now), 30-second steps from the Unix epoch, SHA-1."""
    now = time.time() if at is None else at
    return hotp(_key(secret_b32), int(now // STEP), digits)


def matching_step(
    secret_b32: str, code: str, at: float | None = None, after_step: int = -1
) -> int | None:
    """The time step ``code`` belongs to (within ±WINDOW of ``at``), or None.

    ``after_step`` is the step of the last code accepted: RFC 6238 §5.2 says a verifier
    must not accept the same code twice. A submitted code stays readable in the run's input
    on the Prefect server, so without this the agent could copy it into another run.
    """
    verdict, step = check_code(secret_b32, code, at=at, after_step=after_step)
    return step if verdict == "ok" else None


def check_code(
    secret_b32: str, code: str, at: float | None = None, after_step: int = -1
) -> tuple[str, int | None]:
    """``("ok", step)``, ``("used", step)`` for a valid code of a step already accepted
    (another approval in the same 30 seconds: the person waits for the app's next code),
    or ``("wrong", None)``. The two refusals differ only in what the form tells the person."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == DIGITS):
        return "wrong", None
    key = _key(secret_b32)
    now_step = int((time.time() if at is None else at) // STEP)
    used = None
    for step in range(now_step - WINDOW, now_step + WINDOW + 1):
        if hmac.compare_digest(hotp(key, step), code):
            if step > after_step:
                return "ok", step
            used = step
    return ("used", used) if used is not None else ("wrong", None)


def otpauth_uri(secret_b32: str, account: str, issuer: str = "hugopipe") -> str:
    """The ``otpauth://totp/…`` URI an authenticator app scans (Key Uri Format)."""
    label = quote(f"{issuer}:{account}")
    query = urlencode(
        {
            "secret": secret_b32,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP,
        }
    )
    return f"otpauth://totp/{label}?{query}"


def configured_secret(environ: Mapping[str, str] | None = None) -> str | None:
    """The secret this process holds, or None when the second factor is off.

    A key file that is named but unreadable is an error, not "off": a worker that was
    meant to require a code must not silently stop requiring it.
    """
    env = os.environ if environ is None else environ
    if env.get(SECRET_VARIABLE):
        return env[SECRET_VARIABLE].strip()
    path = env.get(KEY_FILE_VARIABLE)
    if not path:
        return None
    try:
        text = Path(path).expanduser().read_text().strip()
    except OSError as exc:
        raise ConfigError(
            f"{KEY_FILE_VARIABLE} names {path}, which cannot be read: {exc.strerror}",
            hint="run `hugopipe approval-key init` as the serving process's user, or unset the variable",
        ) from None
    if not text:
        raise ConfigError(
            f"the approval key file {path} is empty",
            hint="run `hugopipe approval-key init --force`",
        )
    _key(text)  # fail here, not at the first approval
    return text


def write_key_file(path: Path, secret_b32: str, *, force: bool = False) -> None:
    """Write ``secret_b32`` to ``path``, readable and writable by this user only (0600)."""
    path = path.expanduser()
    if path.exists() and not force:
        raise ConfigError(
            f"{path} already holds an approval key",
            hint="pass --force to replace it (every enrolled phone must scan the new code)",
        )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w") as fh:
        os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
        fh.write(secret_b32 + "\n")
