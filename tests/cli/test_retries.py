"""Retry inspection is pure: Prefect-shaped states and log lines in, attempts and classes out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hugopipe.errors import NEXT_STEP, FailureClass, stopped_next_step
from hugopipe.retries import classify, errors_from_logs, inspect_task, task_display_name

T0 = datetime(2026, 1, 19, 14, 30, tzinfo=UTC)


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def st(stype: str, name: str, t: float, message: str | None = None, scheduled: float | None = None):
    details = {"scheduled_time": at(scheduled)} if scheduled is not None else {}
    return {
        "type": stype,
        "name": name,
        "timestamp": at(t),
        "message": message,
        "state_details": details,
    }


CLASSES = [
    # exception types we raise ourselves
    ("TransientError('injected transient fault (attempt 1 of apply-deploy)')", "transient"),
    ("TemplateError: layouts/_default/single.html:12:3: can't evaluate field Foo", "template"),
    ("ContentError: validation found 2 error(s): broken link /about/", "content"),
    ("ConfigError: unknown environment 'qa'", "configuration"),
    ("CredentialsError: AWS refused the credentials", "credentials"),
    ("ProductionRefused: deploy refuses the production environment", "configuration"),
    # library exceptions
    ("TimeoutError: timed out", "transient"),
    ("EndpointConnectionError: Could not connect to the endpoint URL", "transient"),
    ("ReadTimeoutError: Read timeout on endpoint URL", "transient"),
    ("ConnectError: [Errno 111] Connection refused", "transient"),
    ("NoCredentialsError: Unable to locate credentials", "credentials"),
    # generic ClientError decided by its text
    ("ClientError: An error occurred (SlowDown) when calling the PutObject operation", "transient"),
    (
        "ClientError: An error occurred (503) when calling the HeadObject operation: Service Unavailable",
        "transient",
    ),
    (
        "ClientError: An error occurred (AccessDenied) when calling the PutObject operation: Access Denied",
        "credentials",
    ),
    (
        "ClientError: An error occurred (InvalidAccessKeyId) when calling the ListObjectsV2 operation",
        "credentials",
    ),
    (
        "ClientError: An error occurred (NoSuchBucket) when calling the ListObjectsV2 operation",
        "configuration",
    ),
    # plain messages
    (
        'error building site: "layouts/partials/hero.html:4:5": execute of template failed',
        "template",
    ),
    ('"content/posts/a.md:3:1": failed to unmarshal YAML front matter', "content"),
    ("broken link in content/about.md: /contact/", "content"),
    ("HTTP 502 Bad Gateway from the verify URL", "transient"),
    ("hugopipe.toml: environments.qa: Extra inputs are not permitted", "configuration"),
    ("RuntimeError: something odd happened", "unknown"),
    ("", "unknown"),
    (None, "unknown"),
]


@pytest.mark.parametrize(("text", "expected"), CLASSES)
def test_classify(text: str | None, expected: str) -> None:
    assert classify(text) == FailureClass(expected)


def test_type_beats_text() -> None:
    # A transient error whose message mentions credentials is still transient: the type decides.
    assert classify("TransientError('credentials endpoint timed out')") == FailureClass.TRANSIENT
    assert (
        classify("CredentialsError: S3 answered 503 while checking the key")
        == FailureClass.CREDENTIALS
    )


def test_two_transient_failures_then_success() -> None:
    states = [
        st("PENDING", "Pending", 0),
        st("RUNNING", "Running", 1),
        st("SCHEDULED", "AwaitingRetry", 2.5, scheduled=3.7),
        st("RUNNING", "Retrying", 4.0),
        st("SCHEDULED", "AwaitingRetry", 5.0, scheduled=5.9),
        st("RUNNING", "Retrying", 6.5),
        st("COMPLETED", "Completed", 9.0),
    ]
    logs = [
        "Task run failed with exception: TransientError('injected transient fault (attempt 1 of apply-deploy)')"
        " - Retry 1/3 will start 1.2 second(s) from now",
        "Task run failed with exception: TransientError('injected transient fault (attempt 2 of apply-deploy)')"
        " - Retry 2/3 will start 0.9 second(s) from now",
        "Uploaded 12 objects",
    ]
    task = {"id": "t1", "name": "apply-deploy-dev", "run_count": 3, "state": {"name": "Completed"}}
    # state order from the API is not trusted: shuffle it
    report = inspect_task(task, list(reversed(states)), logs)
    assert [a.outcome for a in report.attempts] == ["failed", "failed", "success"]
    assert [a.failure_class for a in report.attempts] == ["transient", "transient", None]
    assert [a.state for a in report.attempts] == ["AwaitingRetry", "AwaitingRetry", "Completed"]
    assert report.attempts[0].error.startswith(
        "TransientError('injected transient fault (attempt 1"
    )
    assert "attempt 2" in report.attempts[1].error
    assert report.retry_delays == [1.2, 0.9]
    assert [a.duration_seconds for a in report.attempts] == [1.5, 1.0, 2.5]
    assert report.attempts[0].waited_seconds == 1.5  # AwaitingRetry at 2.5 → Retrying at 4.0
    assert report.attempts[0].next_step == NEXT_STEP[FailureClass.TRANSIENT]
    assert report.attempts[2].next_step is None
    d = report.to_dict()
    assert (
        d["retries"] == 2
        and d["final_state"] == "Completed"
        and d["task_name"] == "apply-deploy-dev"
    )


def test_immediate_retry_without_delay() -> None:
    states = [
        st("RUNNING", "Running", 0),
        st("RUNNING", "Retrying", 1),
        st("COMPLETED", "Completed", 2),
    ]
    logs = [
        "Task run failed with exception: ReadTimeout('read timed out') - Retry 1/2 will start immediately"
    ]
    report = inspect_task({"id": "x", "name": "verify-staging"}, states, logs)
    assert [a.outcome for a in report.attempts] == ["failed", "success"]
    assert report.attempts[0].failure_class == "transient"
    assert report.attempts[0].retry_delay_seconds == 0.0


def test_retries_exhausted_on_content_error() -> None:
    states = [
        st("RUNNING", "Running", 0),
        st("SCHEDULED", "AwaitingRetry", 1, scheduled=3),
        st("RUNNING", "Retrying", 3),
        st(
            "FAILED",
            "Failed",
            4,
            message="Task run encountered an exception ContentError: broken link /x/ in content/a.md",
        ),
    ]
    logs = [
        "Task run failed with exception: TransientError('s3 SlowDown') - Retry 1/1 will start 2 second(s) from now",
        "Task run failed with exception: ContentError('broken link /x/ in content/a.md') - Retries are exhausted",
    ]
    report = inspect_task(
        {"id": "x", "name": "apply-deploy-staging", "state": {"name": "Failed"}}, states, logs
    )
    assert [a.failure_class for a in report.attempts] == ["transient", "content"]
    assert report.attempts[1].error == "ContentError: broken link /x/ in content/a.md"
    assert report.attempts[1].next_step == NEXT_STEP[FailureClass.CONTENT]
    assert report.final_state == "Failed"


def test_no_retry_credentials_failure() -> None:
    msg = (
        "Task run encountered an exception ClientError: An error occurred (AccessDenied) "
        "when calling the PutObject operation: Access Denied"
    )
    states = [
        st("PENDING", "Pending", 0),
        st("RUNNING", "Running", 1),
        st("FAILED", "Failed", 2, message=msg),
    ]
    report = inspect_task({"id": "x", "name": "apply-deploy-dev"}, states, [])
    assert len(report.attempts) == 1
    assert report.attempts[0].failure_class == "credentials"
    assert report.attempts[0].retry_delay_seconds is None


def test_cached_task_has_no_attempts_and_running_task_is_open() -> None:
    cached = inspect_task(
        {"id": "c", "name": "build-dev"},
        [st("PENDING", "Pending", 0), st("COMPLETED", "Cached", 0.1)],
    )
    assert cached.attempts == [] and cached.final_state == "Cached"
    running = inspect_task({"id": "r", "name": "build-dev"}, [st("RUNNING", "Running", 0)])
    assert running.attempts[0].outcome == "running" and running.attempts[0].duration_seconds is None


def test_errors_from_logs_multiline() -> None:
    by_attempt, final = errors_from_logs(
        [
            "Task run failed with exception: TransientError('a\\nb') - Retry 3/4 will start 8 second(s) from now",
            "Task run failed with exception: CredentialsError('no key') - Retries are exhausted\nTraceback (most recent call last):\n  ...",
        ]
    )
    assert by_attempt == {3: "TransientError('a\\nb')"}
    assert final == "CredentialsError('no key')"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("apply-deploy-dev", "apply-deploy-dev"),
        ("build-0", "build"),
        ("write-result-7a1", "write-result"),
    ],
)
def test_task_display_name(name: str, shown: str) -> None:
    assert task_display_name({"name": name}) == shown


@pytest.mark.parametrize(
    ("deploying", "deployed", "says"),
    [
        (False, False, "Nothing was deployed."),
        (True, False, "check the target with `hugopipe plan`"),
        (True, True, "The deploy had finished"),
    ],
)
def test_a_stopped_run_says_how_far_the_deploy_got(
    deploying: bool, deployed: bool, says: str
) -> None:
    step = stopped_next_step(
        "Rejected: not before the launch.", deploying=deploying, deployed=deployed
    )
    assert step.startswith("Rejected: not before the launch. ")  # the reason, once, first
    assert says in step
    assert "start a new run only if they ask" in step
