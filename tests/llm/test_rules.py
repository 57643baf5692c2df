"""The deterministic halves: failure rules and page checks, table-tested."""

from __future__ import annotations

import pytest

from hugopipe.llm.review import changed_pages, check_page
from hugopipe.llm.rules import explain_known
from hugopipe.retries import inspect_task


@pytest.mark.parametrize(
    ("message", "cls", "rule", "names"),
    [
        (
            'TemplateError: render of "page" failed: "layouts/_default/single.html:12:3": '
            "execute of template failed",
            "template",
            "hugo-template",
            "layouts/_default/single.html:12:3",
        ),
        (
            'ContentError: "content/blog/x.md:3:1": failed to unmarshal YAML front matter',
            "content",
            "front-matter",
            "content/blog/x.md:3:1",
        ),
        (
            "NoCredentialsError: Unable to locate credentials",
            "credentials",
            "aws-credentials",
            "NoCredentialsError",
        ),
        (
            "ClientError: An error occurred (AccessDenied) when calling PutObject",
            "credentials",
            "aws-permission",
            "AccessDenied",
        ),
        (
            "ClientError: An error occurred (SlowDown): Please reduce your request rate",
            "transient",
            "aws-throttling",
            "SlowDown",
        ),
        (
            "EndpointConnectionError: Could not connect to the endpoint URL",
            "transient",
            "network",
            "EndpointConnectionError",
        ),
        ("httpx.ConnectTimeout: timed out", "transient", "network", "ConnectTimeout"),
    ],
)
def test_known_failures_get_a_class_and_one_line(
    message: str, cls: str, rule: str, names: str
) -> None:
    hit = explain_known(message)
    assert hit is not None
    assert (str(hit[0]), hit[2]) == (cls, rule)
    assert names in hit[1] and "\n" not in hit[1]


def test_an_unknown_failure_is_left_to_the_model() -> None:
    assert explain_known("ValueError: the flux capacitor is misaligned") is None


def test_retries_attempts_carry_the_explanation() -> None:
    run = {"id": "t", "name": "apply-deploy-1", "state": {"name": "Completed"}, "run_count": 2}
    states = [
        {"type": "RUNNING", "timestamp": "2026-12-05T00:00:00Z"},
        {"type": "SCHEDULED", "name": "AwaitingRetry", "timestamp": "2026-12-05T00:00:01Z"},
        {"type": "RUNNING", "timestamp": "2026-12-05T00:00:02Z"},
        {"type": "COMPLETED", "name": "Completed", "timestamp": "2026-12-05T00:00:03Z"},
    ]
    logs = [
        "Task run failed with exception: ClientError('SlowDown') - Retry 1/3 will start 1 second(s) from now"
    ]
    first, second = inspect_task(run, states, logs).attempts
    assert first.failure_class == "transient" and "throttling" in (first.explanation or "")
    assert second.explanation is None


HEAD = '<html><head><meta name="description" content="A page."></head><body><main>'
WORDS = " ".join(["word"] * 50)


@pytest.mark.parametrize(
    ("body", "score", "issue"),
    [
        (f"<h1>T</h1><p>{WORDS}</p>", 5, None),
        (f"<h1>T</h1><p>{WORDS} Lorem ipsum.</p>", 1, "placeholder text: “Lorem ipsum”"),
        (f"<h1>T</h1><p>{WORDS} [insert phone number]</p>", 1, "placeholder text"),
        (f"<h1>T</h1><h3>Sub</h3><p>{WORDS}</p>", 4, "heading order jumps from h1 to h3"),
        (f"<h1>T</h1><h2>Empty</h2><h2>Next</h2><p>{WORDS}</p>", 4, "empty section “Empty”"),
        ("<h1>T</h1><p>Too short.</p>", 4, "very short (3 words)"),
        (f"<h1>T</h1><p>{WORDS} todo list of tasks</p>", 5, None),  # lower-case "todo" is a word
        # code shown on the page is the sample's, not the page's; a phone-number mask is text
        (f"<h1>T</h1><p>{WORDS}</p><pre><code>// TODO: retry</code></pre>", 5, None),
        (f"<h1>T</h1><p>{WORDS} Call XXX-XXX-XXXX.</p>", 5, None),
        (f"<h1>T</h1><p>{WORDS} TODO: the real story.</p>", 1, "placeholder text: “TODO”"),
        (f"<h1>T</h1><p>{WORDS} Price: XXX.</p>", 1, "placeholder text: “XXX”"),
    ],
)
def test_page_checks(body: str, score: int, issue: str | None) -> None:
    review = check_page("p/index.html", HEAD + body + "</main></body></html>")
    assert review.score == score, review.issues
    if issue:
        assert any(i.startswith(issue) for i in review.issues), review.issues


def test_missing_description_and_changed_pages_only() -> None:
    review = check_page(
        "p/index.html", f"<html><body><main><h1>T</h1><p>{WORDS}</p></main></body></html>"
    )
    assert review.issues == ["no meta description"] and review.score == 4

    class U:
        def __init__(self, path: str, reason: str) -> None:
            self.key, self.path, self.reason = f"pre/{path}", path, reason

    ups = [U("a/index.html", "new"), U("b/index.html", "headers changed"), U("c.css", "new")]
    assert changed_pages(ups, "/pub") == [
        ("a/index.html", __import__("pathlib").Path("/pub/a/index.html"))
    ]
