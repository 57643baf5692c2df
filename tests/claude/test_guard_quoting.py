"""``guard.quoting``: ANSI-C ``$'...'`` text and the end of ``$(...)`` / ``${...}``.

The guard must read a word as bash does, or a production name can hide in the
difference; where bash is at hand, ``ansi_c`` is checked against it.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.claude.support import guard_module

quoting = guard_module("quoting")

# -- ansi_c ------------------------------------------------------------------------------------

ANSI_CASES = [
    (r"acme\x2dprod\x2dwww", "acme-prod-www"),
    (r"\x41\x4a", "AJ"),
    (r"\x414", "A4"),  # at most two hex digits
    (r"\101\102", "AB"),
    (r"\1234", "S4"),  # at most three octal digits
    (r"\u00e9", "é"),
    (r"ac\u006de", "acme"),  # \u takes at most four hex digits, \U eight
    (r"\U0000006de", "me"),
    (r"\U0001F600", "😀"),
    (r"\n\t\r\a\b\f\v", "\n\t\r\a\b\f\v"),
    (r"\e\E", "\x1b\x1b"),
    (r"\\ \' \" \?", "\\ ' \" ?"),
    (r"\cA\cz\c[", "\x01\x1a\x1b"),
    (r"\q", "\\q"),  # unknown escape: kept
    (r"\x", "\\x"),  # no hex digit: kept
    (r"\xZ", "\\xZ"),
    (r"\u", "\\u"),
    (r"\c", "\\c"),  # \c with nothing to control
    ("abc\\", "abc\\"),  # a trailing backslash
    ("plain text", "plain text"),
    ("", ""),
    # bash's strings end at a NUL, however it is spelled
    (r"acme-prod\0x", "acme-prod"),
    (r"ab\000cd", "ab"),
    (r"ab\x00cd", "ab"),
    (r"ab\x0cd", "ab\x0cd"),  # \x0c is form feed, not NUL
    (r"ab\u0000cd", "ab"),
    (r"ab\U00000000cd", "ab"),
    (r"ab\c@cd", "ab"),
    (r"ab\400cd", "ab"),  # octal is one byte: 0o400 & 0xFF is NUL
]


@pytest.mark.parametrize(("body", "text"), ANSI_CASES)
def test_ansi_c(body: str, text: str) -> None:
    assert quoting.ansi_c(body) == text


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize(
    "body", [b for b, _ in ANSI_CASES if b and not b.endswith("\\") and "'" not in b]
)
def test_ansi_c_agrees_with_bash(body: str) -> None:
    out = subprocess.run(
        ["bash", "-c", f"printf %s $'{body}'"], capture_output=True, check=True, timeout=10
    )
    assert quoting.ansi_c(body).encode() == out.stdout


def test_a_nul_ends_only_its_own_ansi_c_text() -> None:
    """``s3://acme-prod$'\\0x'-www`` is the production bucket to bash: the rest of the
    word stays (this is what the lexer builds from the pieces)."""
    lexer = guard_module("lexer")
    (cmd,) = lexer.lex("aws s3 rm s3://acme-prod$'\\0x'-www/")
    assert [w.text for w in cmd.argv] == ["aws", "s3", "rm", "s3://acme-prod-www/"]


@pytest.mark.xfail(
    strict=True, raises=OverflowError, reason="a code point above 0x10FFFF raises (fails closed)"
)
def test_ansi_c_out_of_range_code_point() -> None:
    quoting.ansi_c(r"\UFFFFFFFF")


# -- match_paren: i is just after the '(' ------------------------------------------------------


@pytest.mark.parametrize(
    ("s", "rest"),
    [
        ("$(echo hi) tail", " tail"),
        ("$(a $(b) (c)) tail", " tail"),  # nested
        ("$(echo ')') tail", " tail"),  # ')' in single quotes
        ('$(echo ")") tail', " tail"),  # in double quotes
        ('$(echo "\\")") tail', " tail"),  # an escaped quote inside double quotes
        ("$(echo \\)) tail", " tail"),  # an escaped ')'
        ("$(echo '(') tail", " tail"),  # '(' in quotes does not nest
        ('$(echo "it\'s") tail', " tail"),  # a single quote inside double quotes
        ("$()", ""),
    ],
)
def test_match_paren(s: str, rest: str) -> None:
    assert s[quoting.match_paren(s, 2) :] == rest


@pytest.mark.parametrize("s", ["$(echo", "$(echo (a)", "$(echo ')'", '$(echo ")', "$(echo \\"])
def test_match_paren_unclosed_runs_to_the_end(s: str) -> None:
    assert quoting.match_paren(s, 2) == len(s)


# -- match_brace: i is just after the '{' ------------------------------------------------------


@pytest.mark.parametrize(
    ("s", "rest"),
    [
        ("${x} tail", " tail"),
        ("${x:-${y}} tail", " tail"),  # nested
        ("${x:-{a}} tail", " tail"),
        ("${} tail", " tail"),
    ],
)
def test_match_brace(s: str, rest: str) -> None:
    assert s[quoting.match_brace(s, 2) :] == rest


@pytest.mark.parametrize("s", ["${x", "${x:-${y}", "${"])
def test_match_brace_unclosed_runs_to_the_end(s: str) -> None:
    assert quoting.match_brace(s, 2) == len(s)


@pytest.mark.parametrize("s", ["${x:-'}'} tail", '${x:-"}"} tail', "${x:-\\}} tail"])
def test_match_brace_respects_quotes_as_bash_does(s: str) -> None:
    assert s[quoting.match_brace(s, 2) :] == " tail"
