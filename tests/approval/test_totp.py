"""The second factor's codes: RFC 4226 and RFC 6238 test vectors, the window, no reuse, the key's home."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from hugopipe.approval import totp
from hugopipe.errors import ConfigError

RFC_KEY = b"12345678901234567890"
RFC_SECRET = base64.b32encode(RFC_KEY).decode()


@pytest.mark.parametrize(
    ("counter", "code"),
    list(
        enumerate(
            [
                "755224",
                "287082",
                "359152",
                "969429",
                "338314",
                "254676",
                "287922",
                "162583",
                "399871",
                "520489",
            ]
        )
    ),
)
def test_rfc4226_appendix_d_vectors(counter: int, code: str) -> None:
    assert totp.hotp(RFC_KEY, counter) == code


@pytest.mark.parametrize(
    ("at", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_rfc6238_appendix_b_sha1_vectors(at: int, code: str) -> None:
    assert totp.totp(RFC_SECRET, at=at, digits=8) == code


def test_a_code_is_accepted_one_step_either_side_and_not_further() -> None:
    at = 1_700_000_000
    code = totp.totp(RFC_SECRET, at=at)
    step = int(at // 30)
    assert totp.matching_step(RFC_SECRET, code, at=at) == step
    assert totp.matching_step(RFC_SECRET, code, at=at + 30) == step
    assert totp.matching_step(RFC_SECRET, code, at=at - 30) == step
    assert totp.matching_step(RFC_SECRET, code, at=at + 90) is None
    assert totp.matching_step(RFC_SECRET, "123 456", at=at) in (None, step)
    assert totp.matching_step(RFC_SECRET, "12345", at=at) is None
    assert totp.matching_step(RFC_SECRET, "abcdef", at=at) is None


def test_a_code_already_accepted_is_refused() -> None:
    at = 1_700_000_000
    code = totp.totp(RFC_SECRET, at=at)
    step = totp.matching_step(RFC_SECRET, code, at=at)
    assert step is not None
    assert totp.matching_step(RFC_SECRET, code, at=at, after_step=step) is None


def test_a_wrong_code_is_refused() -> None:
    at = 1_700_000_000
    right = totp.totp(RFC_SECRET, at=at)
    wrong = str((int(right) + 1) % 1_000_000).zfill(6)
    assert totp.matching_step(RFC_SECRET, wrong, at=at) is None


def test_otpauth_uri_has_what_apps_read() -> None:
    uri = totp.otpauth_uri("ABC", "me@host")
    assert uri.startswith("otpauth://totp/hugopipe%3Ame%40host?")
    assert "secret=ABC" in uri and "issuer=hugopipe" in uri and "period=30" in uri


def test_secret_from_the_environment_or_a_file_else_off(tmp_path: Path) -> None:
    assert totp.configured_secret({}) is None
    assert totp.configured_secret({totp.SECRET_VARIABLE: " ABC "}) == "ABC"
    key = tmp_path / "k" / "approval-key"
    secret = totp.new_secret()
    totp.write_key_file(key, secret)
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert totp.configured_secret({totp.KEY_FILE_VARIABLE: str(key)}) == secret
    with pytest.raises(ConfigError, match="already holds"):
        totp.write_key_file(key, secret)
    # named but unreadable: an error, never "off" (a worker meant to require a code must not stop)
    with pytest.raises(ConfigError, match="cannot be read"):
        totp.configured_secret({totp.KEY_FILE_VARIABLE: str(tmp_path / "missing")})
    (tmp_path / "bad").write_text("not base32 !!\n")
    with pytest.raises(ConfigError, match="base32"):
        totp.configured_secret({totp.KEY_FILE_VARIABLE: str(tmp_path / "bad")})


def test_a_valid_code_of_a_used_step_is_told_apart_from_a_wrong_one() -> None:
    at = 1_700_000_000
    code = totp.totp(RFC_SECRET, at=at)
    step = int(at // 30)
    assert totp.check_code(RFC_SECRET, code, at=at) == ("ok", step)
    assert totp.check_code(RFC_SECRET, code, at=at, after_step=step) == ("used", step)
    # the next code is fine after an approval in the previous step
    nxt = totp.totp(RFC_SECRET, at=at + 30)
    assert totp.check_code(RFC_SECRET, nxt, at=at + 30, after_step=step) == ("ok", step + 1)
    wrong = str((int(code) + 1) % 1_000_000).zfill(6)
    assert totp.check_code(RFC_SECRET, wrong, at=at, after_step=step)[0] == "wrong"
    assert totp.check_code(RFC_SECRET, "12a456", at=at) == ("wrong", None)
