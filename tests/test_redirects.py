"""The `_redirects` reader: what is a rule, what is plain (S3 can serve it), what a path resolves to."""

import pytest

from hugopipe.redirects import parse, resolve

TEXT = """\
# moved pages
/old-post        /posts/new-post/        301
/blog/*          /posts/:splat           302!
/docs/:lang/intro  /:lang/start
/app/*           /index.html             200
/gone            /404.html               404
/go              https://example.org/#top
/country         /fr/   302  Country=fr
broken-line
"""


def test_parse_keeps_rules_and_reports_bad_lines_with_their_line():
    rules, problems = parse(TEXT)
    assert [r.line for r in rules] == [2, 3, 4, 5, 6, 7, 8]
    assert [(p.line, "source and a target" in p.message) for p in problems] == [(9, True)]
    assert rules[1].status == 302 and rules[1].force
    assert rules[5].target == "https://example.org/#top"  # a fragment is not a comment
    assert rules[6].conditions == ("Country=fr",)


@pytest.mark.parametrize(
    ("line", "plain"),
    [(2, True), (3, False), (4, False), (5, False), (6, False), (7, True), (8, False)],
)
def test_plain_rules_are_exact_3xx_without_conditions(line, plain):
    rules, _ = parse(TEXT)
    assert next(r for r in rules if r.line == line).plain is plain


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/old-post", "/posts/new-post/"),
        ("/old-post/", "/posts/new-post/"),
        ("/blog/2024/x/", "/posts/2024/x"),
        ("/docs/en/intro/", "/en/start"),
        ("/app/x", None),  # a 200 rewrite is not a redirect
        ("/country", None),  # conditions are not known at validation time
        ("/elsewhere", None),
    ],
)
def test_resolve_follows_the_first_matching_redirect(path, target):
    rules, _ = parse(TEXT)
    rule = resolve(rules, path)
    assert (rule.match(path) if rule else None) == target
