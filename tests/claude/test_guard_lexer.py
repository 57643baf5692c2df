"""The guard's shell lexer: words, operators, redirections, heredocs, substitutions, variables."""

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
    # $'...' is quoted text whose escapes are left as written: decoding them is an
    # obfuscation the credentials answer (tests/claude/corpus/credentials.json)
    assert argvs("echo $'s3://acme\\x2dprod' $'it\\'s'") == [
        ["echo", "s3://acme\\x2dprod", "it\\'s"]
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
    assert cmds[2].heredocs == ["one line"]  # a here-string feeds stdin like a heredoc
    assert [[w.text for w in c.argv] for c in cmds] == [["python3", "-"], ["cat"], ["wc"]]


def test_substitutions_are_kept_and_marked_dynamic() -> None:
    (cmd,) = lexer.lex("aws s3 sync public s3://$(cat .bucket) `echo x` <(echo y)")
    assert cmd.substs == ["cat .bucket", "echo x", "echo y"]
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


def test_substitutions_are_runtime_values_and_arithmetic_is_not_a_command() -> None:
    (cmd,) = lexer.lex("echo $(dirname /a/b/c.sh) $((1 + 2)) ${X:-$(cat f)}")
    assert all(w.dyn for w in cmd.argv[1:])
    assert cmd.substs == ["dirname /a/b/c.sh", "cat f"]


def test_exported_and_appended_variables() -> None:
    env: dict = {}
    lexer.lex("export T=li; T+=ve; U=$(cat f)", env)
    assert env == {"T": "live", "U": None}


def test_unclosed_quotes_and_substitutions_run_to_the_end() -> None:
    assert argvs("echo 'open") == [["echo", "open"]]
    (cmd,) = lexer.lex("echo $(cat")
    assert cmd.argv[1].dyn  # and no exception


def test_match_respects_quotes_and_nesting() -> None:
    for s, rest in [
        ("$(a $(b) (c)) tail", " tail"),
        ("$(echo ')') tail", " tail"),
        ('$(echo ")") tail', " tail"),
    ]:
        assert s[lexer.match(s, 2) :] == rest
    for s in ["${x:-'}'} tail", '${x:-"}"} tail', "${x:-\\}} tail", "${x:-${y}} tail"]:
        assert s[lexer.match(s, 2, "{", "}") :] == " tail"
    assert lexer.match("$(echo", 2) == len("$(echo")


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
