"""The guard's shell lexer: words, operators, redirections, heredocs, substitutions, folding."""

from __future__ import annotations

from tests.claude.support import guard_module

lexer = guard_module("lexer")
DYN = lexer.DYN


def argvs(text: str, **kw) -> list[list[str]]:
    return [[w.text for w in c.argv] for c in lexer.lex(text, **kw)]


def test_words_and_operators() -> None:
    cmds = lexer.lex("a 'b c' && d | e; f || g & h\ni")
    assert [[w.text for w in c.argv] for c in cmds] == [
        ["a", "b c"],
        ["d"],
        ["e"],
        ["f"],
        ["g"],
        ["h"],
        ["i"],
    ]
    assert [c.op for c in cmds] == [None, "&&", "|", ";", "||", "&", ";"]


def test_quoting_is_removed_and_escapes_kept_literal() -> None:
    assert argvs("""x s3://acme-pr"od"-w'ww' "a\\"b" c\\ d""") == [
        ["x", "s3://acme-prod-www", 'a"b', "c d"]
    ]
    assert argvs("echo $'s3://acme\\x2dprod\\x2dwww' $'\\101'") == [
        ["echo", "s3://acme-prod-www", "A"]
    ]


def test_comments_and_line_continuations() -> None:
    assert argvs("ls # aws s3 sync\necho a\\\nb") == [["ls"], ["echo", "ab"]]
    assert argvs("echo a#b") == [["echo", "a#b"]]


def test_redirections_are_not_arguments() -> None:
    (cmd,) = lexer.lex("echo x > out.txt 2>&1 2>/dev/null &>> log")
    assert [w.text for w in cmd.argv] == ["echo", "x"]
    assert [(op, w.text) for op, w in cmd.redirs] == [
        (">", "out.txt"),
        (">", "/dev/null"),
        ("&>>", "log"),
    ]


def test_heredocs_and_herestrings() -> None:
    cmds = lexer.lex(
        "python3 - <<'EOF'\nimport os\nEOF\ncat <<-X\n\tindented\n\tX\nwc <<< 'one line'"
    )
    assert cmds[0].heredocs == ["import os"]
    assert cmds[1].heredocs == ["\tindented"]
    assert [w.text for w in cmds[2].herestrings] == ["one line"]
    assert [[w.text for w in c.argv] for c in cmds] == [["python3", "-"], ["cat"], ["wc"]]


def test_substitutions_are_kept_and_marked_dynamic() -> None:
    (cmd,) = lexer.lex("aws s3 sync public s3://$(cat .bucket) `echo x` <(echo y)")
    assert cmd.substs == ["cat .bucket", "echo x"]
    assert cmd.procsubs == ["echo y"]
    assert [w.dyn for w in cmd.argv] == [False, False, False, False, True, True, True]


def test_variables_assigned_in_the_text_are_expanded() -> None:
    env: dict = {}
    cmds = lexer.lex('B=acme-prod; aws s3 sync public "s3://${B}-www" $UNKNOWN', env)
    assert env == {"B": "acme-prod"}
    words = cmds[1].argv
    assert words[4].text == "s3://acme-prod-www" and not words[4].dyn
    assert words[5].text == DYN and words[5].dyn


def test_assignments_tell_quoted_values_from_quoted_names() -> None:
    (cmd,) = lexer.lex('ROOT="$(pwd)" "A=b" C=\'d\'')
    assert [w.quoted for w in cmd.argv] == [False, True, False]


def test_pure_substitutions_fold_to_their_value() -> None:
    assert argvs("echo $(dirname /a/b/c.sh) $(basename /a/b/c.sh) $(cd /a/b/.. && pwd)") == [
        ["echo", "/a/b", "c.sh", "/a"]
    ]
    (cmd,) = lexer.lex("echo $(cd rel && pwd) $(dirname $X) $(cat f)")
    assert all(w.dyn for w in cmd.argv[1:])


def test_a_script_knows_its_own_path() -> None:
    text = 'source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"; R="$(cd "$(dirname "$0")/.." && pwd)"'
    cmds = lexer.lex(text, {}, "/repo/scripts/test.sh")
    assert cmds[0].argv[1].text == "/repo/scripts/_lib.sh" and not cmds[0].argv[1].dyn
    env: dict = {}
    lexer.lex(text, env, "/repo/scripts/test.sh")
    assert env["R"] == "/repo"
    # typed at the prompt, the same words are only known at run time
    assert lexer.lex(text)[0].argv[1].dyn
    # re-assigning BASH_SOURCE makes it unknown again
    (_a, cmd) = lexer.lex('BASH_SOURCE=/x; source "${BASH_SOURCE[0]}"', {}, "/repo/t.sh")
    assert cmd.argv[1].dyn


def test_groups_and_subshells_split_commands() -> None:
    assert argvs("(cd site && aws s3 ls) ; { echo a; }") == [
        ["cd", "site"],
        ["aws", "s3", "ls"],
        ["echo", "a"],
    ]


def test_show_marks_runtime_parts() -> None:
    (cmd,) = lexer.lex("aws s3 sync public s3://$B")
    assert lexer.show(cmd.argv) == "aws s3 sync public s3://$…"
    assert lexer.basename("/usr/bin/aws") == "aws"
