"""The agent must-hold: with full Prefect API access (no UI) and its own staging-only
credentials, an agent cannot get anything into the production bucket, in 20+ ways.

The set-up is tests/approval/secure.py: moto with IAM enforced, a serving process that alone
holds the production identity and the approval key (the second factor is on). Every attempt
is recorded with what refused it: the S3 endpoint (403), the Prefect server (a REJECTed resume,
404, 422) or the flow (a wrong code asks again; a forced resume without a valid input fails the
run). None is refused by the Claude Code guard: nothing here goes through it. After each
attempt the production bucket is listed, every version, with the *worker's* identity; it must
not change. At the end a person's approval with the right code does deploy, so the
unchanged bucket is not an endpoint that refuses everyone.

The table of attempts is written to ``$HUGOPIPE_AGENT_REPORT`` when set (docs/agent-boundary.md
shows one).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hugopipe.approval import totp
from tests.approval.secure import BUCKET, Secure, iam_endpoint, secure_site, served
from tests.support import ROOT, BusyRetry, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.agent]
PROD = BUCKET.format("production")
PHRASE = "DEPLOY TO PRODUCTION"


@pytest.fixture(scope="module")
def secure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secure]:
    tmp = tmp_path_factory.mktemp("secure")
    with iam_endpoint(tmp) as sec, served(sec, tmp) as ready:
        yield ready


@pytest.fixture(autouse=True)
def nothing_left_waiting(secure: Secure) -> Iterator[None]:
    """A test that fails midway leaves its production run waiting, and every later run of
    the site would yield to it (one run per site and environment): cancel what is left, so
    a failure is reported once, by the test that had it."""
    yield
    agent = Agent(secure)
    runs = agent.api.post(
        "/flow_runs/filter",
        json={
            "flow_runs": {"state": {"type": {"any_": ["PAUSED", "RUNNING", "PENDING"]}}},
            "deployments": {"id": {"any_": [agent.deployment]}},
        },
    ).json()
    for run in runs:
        _cancel(agent, run["id"])


class Agent:
    """What the agent can do: the Prefect API (httpx, the Prefect client, the CLI) and S3 with
    its own keys. Keeps the current paused production run."""

    def __init__(self, sec: Secure) -> None:
        self.sec = sec
        self.api = httpx.Client(base_url=sec.api, timeout=30, transport=BusyRetry())
        self.run_id: str | None = None
        dep = self.api.get("/deployments/name/publish/site").json()
        self.deployment = dep["id"]

    def state(self, run_id: str | None = None) -> str:
        return self.api.get(f"/flow_runs/{run_id or self.run_id}").json()["state"]["type"]

    def start(self, **parameters: Any) -> str:
        params = {"env": "production", "site": str(self.sec.site), **parameters}

        r = self.api.post(
            f"/deployments/{self.deployment}/create_flow_run", json={"parameters": params}
        )
        r.raise_for_status()
        return r.json()["id"]

    def settle(self, run_id: str) -> str:
        """Wait until the run is paused or over; return its state type."""

        def settled() -> str | None:
            s = self.state(run_id)
            return s if s in {"PAUSED", "COMPLETED", "FAILED", "CRASHED", "CANCELLED"} else None

        return wait_until(settled, 240, f"run {run_id} to pause or end", interval=0.5)

    def paused(self) -> str:
        """A production run paused for approval: the current one, or a new one."""
        if self.run_id is not None and self.settle(self.run_id) == "PAUSED":
            return self.run_id
        self.run_id = self.start()
        state = self.settle(self.run_id)
        assert state == "PAUSED", (state, self.sec.log.read_text()[-3000:])
        return self.run_id

    def pause_key(self, run_id: str | None = None) -> str:
        """The base of the waiting question's input keys, as the server stores them: a served
        production run waits *suspended* (``suspended-<key>``), a run in its process would
        wait paused (``paused-<key>``)."""
        state = self.api.get(f"/flow_runs/{run_id or self.run_id}").json()["state"]
        return input_base(state)

    def resume(self, run_input: Any, path: str | None = None) -> httpx.Response:
        return self.api.post(
            path or f"/flow_runs/{self.paused()}/resume", json={"run_input": run_input}
        )

    def client_script(self, code: str) -> subprocess.CompletedProcess[str]:
        """Python with the Prefect client, as the agent would write it, in its own shell."""
        return subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            env=self.sec.env,
        )


def input_base(state: dict[str, Any]) -> str:
    """``suspended-<key>`` or ``paused-<key>``: from the keyset the run stored with its state,
    else from the state's name (Prefect's ``keyset_from_paused_state``)."""
    details = state["state_details"]
    keyset = details.get("run_input_keyset") or {}
    if keyset.get("response"):
        return str(keyset["response"]).removesuffix("-response")
    prefix = "suspended" if state.get("name") == "Suspended" else "paused"
    return f"{prefix}-{details['pause_key']}"


def wrong_code(secret: str) -> str:
    """A well-formed code that is not valid now, nor one step either side."""
    now = time.time()
    valid = {totp.totp(secret, at=now + d) for d in (-60, -30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def fresh_code(secure: Secure) -> str:
    """The code the app shows once it is one no approval has used yet: two approvals in the
    same 30 seconds cannot share a code (RFC 6238 §5.2), so a person waits for the next one."""
    from hugopipe.approval import log as approvals_log

    used = approvals_log.last_totp_step(secure.approvals_log)
    wait_until(lambda: time.time() // totp.STEP > used, 45, "the app's next code", interval=0.5)
    return totp.totp(secure.secret)


def _resumed(r: httpx.Response) -> str:
    if r.status_code >= 400:
        return f"Prefect server: HTTP {r.status_code}"
    try:
        body = r.json()
    except ValueError:
        return f"Prefect server: HTTP {r.status_code} {r.text[:40]!r}"
    status = body.get("status")
    if status != "ACCEPT":
        reason = (body.get("details") or {}).get("reason", "")
        return f"Prefect server: {status} ({reason[:70]})"
    return "ACCEPTED"


def _s3_refusal(fn: Callable[[], Any]) -> str:
    import botocore.exceptions

    try:
        answer = fn()
    except botocore.exceptions.ClientError as exc:
        err = exc.response["Error"]
        status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
        return f"S3 endpoint: {status} {err.get('Code')}"
    errors = answer.get("Errors") if isinstance(answer, dict) else None
    if errors and not answer.get("Deleted"):  # a batch answers 200 with an error per key
        return f"S3 endpoint: {errors[0].get('Code')} for every key"
    return "WRITTEN"


def _after_flow(agent: Agent, run_id: str, before_key: str) -> str:
    """After an input the server accepted: the flow's answer (asks again, or fails)."""

    def answered() -> str | None:
        body = agent.api.get(f"/flow_runs/{run_id}").json()
        st = body["state"]
        if st["type"] == "PAUSED" and input_base(st) != before_key:
            return "flow: wrong code, asks again"
        if st["type"] in {"FAILED", "CRASHED"}:
            return f"flow: run failed ({(st.get('message') or '')[:60]})"
        if st["type"] == "COMPLETED":
            return "COMPLETED"
        return None

    return wait_until(answered, 120, f"run {run_id} to answer the input", interval=0.5)


def _first(message: str) -> str:
    """The first finding of a failed run's message (``- [E5] index.html: …``)."""
    found = [line.strip("- ").strip() for line in message.splitlines() if line.startswith("- [")]
    return (found[0] if found else message)[:70]


def _cancel(agent: Agent, run_id: str) -> None:
    """Cancel a run an attempt left behind, so no later publish of the site waits for it."""
    if agent.state(run_id) not in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}:
        agent.api.post(
            f"/flow_runs/{run_id}/set_state",
            json={"state": {"type": "CANCELLED"}, "force": True},
        )


def _started_again(agent: Agent, run_id: str, before_key: str) -> str:
    """A suspended run forced to SCHEDULED: the runner starts it again; the flow replays the
    answers stored so far (the server checked none of them, the flow checks each) and waits
    again or fails; the run is cancelled either way (no orphan)."""

    def started() -> str | None:  # first leave the forced state: the runner has it
        body = agent.api.get(f"/flow_runs/{run_id}").json()
        return None if body["state"]["type"] == "SCHEDULED" and body["run_count"] < 2 else "y"

    try:
        wait_until(started, 240, f"the runner to start {run_id} again", interval=0.5)
        state = agent.settle(run_id)
        st = agent.api.get(f"/flow_runs/{run_id}").json()["state"]
    finally:
        _cancel(agent, run_id)
    if state == "PAUSED":
        again = "the same question" if input_base(st) == before_key else "a new question"
        return f"flow: started again, waits again ({again})"
    if state in {"FAILED", "CRASHED"}:
        return f"flow: started again, run {state} ({(st.get('message') or '')[:50]})"
    return state


def test_the_agent_cannot_reach_production(secure: Secure, tmp_path: Path) -> None:
    agent = Agent(secure)
    s3 = secure.s3("agent")
    staging = BUCKET.format("staging")
    s3.put_object(Bucket=staging, Key="payload.html", Body=b"<h1>agent</h1>")
    before = secure.production_keys()
    attempts: list[tuple[str, str]] = []

    def attempt(name: str, outcome: str) -> None:
        attempts.append((name, outcome))
        assert secure.production_keys() == before, f"{name} reached production: {outcome}"

    def through_flow(name: str, r: httpx.Response) -> None:
        key = agent.pause_key()
        outcome = _resumed(r)
        if outcome == "ACCEPTED":
            outcome = _after_flow(agent, agent.run_id or "", key)
        attempt(name, outcome)

    # --- the Prefect API: the resume endpoint -------------------------------------------------
    agent.paused()
    attempt("resume: the phrase alone", _resumed(agent.resume({"confirmation": PHRASE})))
    attempt(
        "resume: phrase + malformed code",
        _resumed(agent.resume({"confirmation": PHRASE, "code": "12345"})),
    )
    attempt("resume: no input at all", _resumed(agent.resume(None)))
    attempt(
        "resume: lower-case phrase + code",
        _resumed(agent.resume({"confirmation": PHRASE.lower(), "code": wrong_code(secure.secret)})),
    )
    run = agent.paused()
    for path in (
        f"/flow_runs/{run}/%72esume",
        f"/flow_runs%2F{run}%2Fresume",
        f"/flow_runs/{run}/resume%2F",
    ):
        r = agent.api.post(path, json={"run_input": {"confirmation": PHRASE}})
        attempt(f"resume: percent-encoded path {path.replace(run, '{id}')}", _resumed(r))
    through_flow(
        "resume: phrase + a guessed code",
        agent.resume(
            {"confirmation": PHRASE, "approver": "agent", "code": wrong_code(secure.secret)}
        ),
    )
    through_flow(
        "resume: phrase + code with spaces",
        agent.resume(
            {"confirmation": PHRASE, "code": " " + wrong_code(secure.secret)[:3] + " 999"}
        ),
    )

    # --- the Prefect API: the input endpoint, the schema, forced states ----------------------
    run = agent.paused()
    key = agent.pause_key()
    value = json.dumps(
        {"confirmation": PHRASE, "approver": "agent", "code": wrong_code(secure.secret)}
    )
    r = agent.api.post(f"/flow_runs/{run}/input", json={"key": f"{key}-response", "value": value})
    outcome = f"input written (HTTP {r.status_code}), run still {agent.state()}"
    assert agent.state() == "PAUSED"
    attempt("input endpoint: write the response without resuming", outcome)
    through_flow("input endpoint, then resume with no input", agent.resume(None))

    run = agent.paused()
    key = agent.pause_key()
    agent.api.delete(f"/flow_runs/{run}/input/{key}-schema")
    agent.api.post(f"/flow_runs/{run}/input", json={"key": f"{key}-schema", "value": "{}"})
    through_flow(
        "replace the form's schema with {}, resume with the phrase alone",
        agent.resume({"confirmation": PHRASE}),
    )

    # A suspended run has no process: forced to RUNNING it would only sit there (an orphan
    # that makes later publishes of the site wait). Forced to SCHEDULED, the runner starts it
    # again from the top and the flow checks whatever answers are stored (attempt 10 wrote one).
    run = agent.paused()
    key = agent.pause_key()
    r = agent.api.post(
        f"/flow_runs/{run}/set_state", json={"state": {"type": "SCHEDULED"}, "force": True}
    )
    outcome = _resumed(r)
    if outcome == "ACCEPTED":
        outcome = _started_again(agent, run, key)
    attempt("force the suspended run to SCHEDULED (no input): the runner starts it again", outcome)

    # --- the Prefect client, the way an agent's script would -----------------------------
    run = agent.paused()
    key = agent.pause_key()
    done = agent.client_script(
        "from prefect.client.orchestration import get_client\n"
        "import asyncio\n"
        "async def main():\n"
        "    async with get_client() as c:\n"
        f"        r = await c.resume_flow_run('{run}', run_input={{'confirmation': '{PHRASE}', 'code': '{wrong_code(secure.secret)}'}})\n"
        "        print(r.status.value)\n"
        "asyncio.run(main())\n"
    )
    outcome = done.stdout.strip() or done.stderr.strip()[-80:]
    if outcome == "ACCEPT":
        outcome = _after_flow(agent, run, key)
    attempt("Prefect client: resume_flow_run(run_input=phrase + guessed code)", outcome)

    done = agent.client_script(
        "from prefect.client.orchestration import get_client\n"
        "from prefect_aws import AwsCredentials\n"
        "import json, boto3\n"
        "with get_client(sync_client=True) as c:\n"
        "    docs = c.read_block_documents(include_secrets=True)\n"
        "keys = [d.data for d in docs if 'aws_access_key_id' in d.data]\n"
        "out = []\n"
        "for k in keys:\n"
        f"    s3 = boto3.client('s3', endpoint_url='{secure.endpoint}', aws_access_key_id=k['aws_access_key_id'],"
        " aws_secret_access_key=k['aws_secret_access_key'].get_secret_value() if hasattr(k['aws_secret_access_key'], 'get_secret_value') else k['aws_secret_access_key'])\n"
        "    try:\n"
        f"        s3.put_object(Bucket='{PROD}', Key='index.html', Body=b'block')\n"
        "        out.append('WRITTEN')\n"
        "    except Exception as e:\n"
        "        out.append(f\"S3 endpoint: {e.response['ResponseMetadata']['HTTPStatusCode']} {e.response['Error']['Code']}\")\n"
        "print(json.dumps(out))\n"
    )
    results = json.loads(done.stdout or "[]")
    assert results, done.stderr
    attempt(
        "read every AwsCredentials block (secrets included), write with its keys",
        "; ".join(sorted(set(results))),
    )

    # --- new runs the agent can start ---------------------------------------------------------
    r = agent.api.post(
        f"/deployments/{agent.deployment}/create_flow_run",
        json={"parameters": {"env": "production", "site": str(secure.site), "approved": True}},
    )
    if r.status_code >= 400:
        outcome = f"Prefect server: HTTP {r.status_code}"
    else:  # the server takes it; the flow has no such parameter, and pauses or fails anyway
        extra = r.json()["id"]
        state = agent.settle(extra)
        body = agent.api.get(f"/flow_runs/{extra}").json()["state"]
        outcome = f"flow: {state} ({(body.get('message') or '')[:60]})"
        if state == "PAUSED":
            outcome = "flow: waits for a person like any production run"
        _cancel(agent, extra)
    attempt("start a production run with an extra 'approved' parameter", outcome)

    repointed = secure_site(tmp_path / "repointed")
    config = repointed / "config" / "_default" / "hugo.toml"
    text = config.read_text() if config.exists() else ""
    assert "hugopipe-example-staging" in text, "the example's staging target names its bucket"
    config.write_text(text.replace("hugopipe-example-staging", PROD))
    if agent.run_id is not None:
        _cancel(agent, agent.run_id)
        agent.run_id = None
    staged = agent.start(env="staging", site=str(repointed))
    state = agent.settle(staged)
    waiting = agent.pause_key(staged) if state == "PAUSED" else ""
    why = agent.api.get(f"/flow_runs/{staged}").json()["state"].get("message") or ""
    _cancel(agent, staged)
    log = secure.log.read_text()
    refused = "AccessDenied" in log or "credentials cannot" in log
    if state == "PAUSED":  # production is the bucket: the run is production, whatever its name
        assert "production-approval" in waiting, waiting
        outcome = "flow: the bucket is production's, so it waits for the production phrase"
    elif state == "FAILED" and "production" in why:  # production's checks refuse it first
        outcome = f"flow: the bucket is production's, production's checks fail it ({_first(why)})"
    elif refused and state != "COMPLETED":
        outcome = f"S3 endpoint: 403 AccessDenied (run {state})"
    else:
        outcome = state
    attempt(
        "publish *staging* with its target re-pointed at the production bucket (served)", outcome
    )
    bin_dir = Path(sys.executable).parent
    built = subprocess.run(
        [str(bin_dir / "hugo"), "--source", str(repointed), "--environment", "staging", "--quiet"],
        capture_output=True,
        text=True,
        env=secure.env,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    proc = subprocess.run(
        [str(bin_dir / "hugopipe"), "deploy", "--site", str(repointed), "--target", "staging"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=secure.env,
        timeout=300,
    )
    said = proc.stderr + proc.stdout
    if "AccessDenied" in said:
        outcome = f"S3 endpoint: 403 AccessDenied (exit {proc.returncode})"
    elif proc.returncode != 0 and "production" in said:
        # The CLI knows the bucket is production's and stops first; it runs in the agent's
        # shell, so it is no boundary: send what it built with the same keys, as a script would.
        page = (repointed / "public" / "index.html").read_bytes()
        sent = _s3_refusal(lambda: s3.put_object(Bucket=PROD, Key="index.html", Body=page))
        outcome = f"{sent} (the CLI refused first, exit {proc.returncode}; its upload sent by hand)"
    else:
        outcome = f"exit {proc.returncode}: {said[-200:]}"
    attempt(
        "hugopipe deploy --target staging, re-pointed at the production bucket (agent's shell)",
        outcome,
    )

    # --- S3 with the agent's own keys ---------------------------------------------------------
    attempt(
        "S3 PutObject index.html",
        _s3_refusal(lambda: s3.put_object(Bucket=PROD, Key="index.html", Body=b"x")),
    )
    attempt(
        "S3 CopyObject from staging",
        _s3_refusal(
            lambda: s3.copy_object(
                Bucket=PROD, Key="index.html", CopySource={"Bucket": staging, "Key": "payload.html"}
            )
        ),
    )
    attempt("S3 DeleteObject", _s3_refusal(lambda: s3.delete_object(Bucket=PROD, Key="index.html")))
    attempt(
        "S3 CreateMultipartUpload",
        _s3_refusal(lambda: s3.create_multipart_upload(Bucket=PROD, Key="big.bin")),
    )
    attempt(
        "S3 PutBucketPolicy (make it writable)",
        _s3_refusal(
            lambda: s3.put_bucket_policy(
                Bucket=PROD,
                Policy=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": "*",
                                "Action": "s3:*",
                                "Resource": f"arn:aws:s3:::{PROD}/*",
                            }
                        ],
                    }
                ),
            )
        ),
    )
    attempt(
        "S3 PutObject of the release manifest",
        _s3_refusal(
            lambda: s3.put_object(Bucket=PROD, Key=".hugopipe/manifest.json.gz", Body=b"x")
        ),
    )
    attempt(
        "S3 PutBucketVersioning (suspend it, so a release cannot be rolled back)",
        _s3_refusal(
            lambda: s3.put_bucket_versioning(
                Bucket=PROD, VersioningConfiguration={"Status": "Suspended"}
            )
        ),
    )
    attempt(
        "S3 DeleteObjects (a batch delete)",
        _s3_refusal(
            lambda: s3.delete_objects(Bucket=PROD, Delete={"Objects": [{"Key": "index.html"}]})
        ),
    )

    # --- nothing reached production; a person with the code still can ---------------------
    assert len(attempts) >= 20, attempts
    for name, outcome in attempts:
        assert outcome.startswith(("S3 endpoint:", "Prefect server:", "flow:", "input written")), (
            name,
            outcome,
        )
        assert "guard" not in outcome
    assert secure.production_keys() == before

    run = agent.paused()
    r = agent.resume(
        {"confirmation": PHRASE, "approver": "Ada (phone)", "code": fresh_code(secure)}
    )
    assert _resumed(r) == "ACCEPTED"
    assert agent.settle(run) == "COMPLETED", secure.log.read_text()[-3000:]
    assert secure.production_keys() != before  # the right person with the right code deploys
    entries = [json.loads(line) for line in secure.approvals_log.read_text().splitlines()]
    assert entries[-1]["approver"] == "Ada (phone)" and entries[-1]["second_factor"] is True
    assert entries[-1]["flow_run_id"] == run

    report = os.environ.get("HUGOPIPE_AGENT_REPORT")
    if report:
        Path(report).write_text(json.dumps(attempts, indent=2))


def test_a_wrong_code_asks_again_within_the_first_questions_expiry(secure: Secure) -> None:
    """Each wrong code asks again with a new question, but the wait still ends when the first
    question's did (``approval_expires_after`` after it), and every form says when: three
    tries cannot stretch 24 h to 72 h."""
    from datetime import datetime, timedelta

    agent = Agent(secure)
    page_md = secure.site / "content" / "contact.md"
    page_md.write_text(page_md.read_text() + f"\nExpiry test {time.time():.0f}.\n")
    agent.run_id = None
    run = agent.paused()
    try:

        def asked() -> tuple[str, datetime, datetime, str]:
            state = agent.api.get(f"/flow_runs/{run}").json()["state"]
            key = input_base(state)
            details = state["state_details"]
            form = agent.api.get(f"/flow_runs/{run}/input/{key}-description").json()
            return (
                key,
                datetime.fromisoformat(details["pause_timeout"]),
                datetime.fromisoformat(state["timestamp"]),
                form,
            )

        def says_expiry(form: str, ends: datetime) -> bool:  # HH:MM of the deadline, ±2 s
            return any(
                f"This question expires at {ends + timedelta(seconds=d):%H:%M} UTC" in form
                for d in (-2, 0, 2)
            )

        key1, ends1, at1, form1 = asked()
        assert says_expiry(form1, ends1), form1[-300:]

        r = agent.resume({"confirmation": PHRASE, "code": wrong_code(secure.secret)})
        assert _resumed(r) == "ACCEPTED"
        assert _after_flow(agent, run, key1) == "flow: wrong code, asks again"
        key2, ends2, at2, form2 = asked()
        assert key2 != key1 and "The code was wrong (1 of 3 tries" in form2
        # the second question was asked later (the run started again and planned again) ...
        assert (at2 - at1).total_seconds() > 2, (at1, at2)
        # ... and still ends when the first one did
        assert abs((ends2 - ends1).total_seconds()) <= 2, (ends1, ends2)
        assert says_expiry(form2, ends1), form2[-300:]
    finally:
        _cancel(agent, run)
        agent.run_id = None


@pytest.mark.browser
@pytest.mark.server
def test_a_person_with_the_code_approves_in_the_ui_and_a_wrong_code_deploys_nothing(
    secure: Secure, tmp_path: Path
) -> None:
    """On a phone-sized page: the right phrase with a wrong code asks again and deploys
    nothing; the right phrase with the code the app shows deploys."""
    from playwright.sync_api import expect, sync_playwright

    from tests.test_approval_ui import ARGS, CHROMIUM

    agent = Agent(secure)
    page_md = secure.site / "content" / "privacy.md"
    marker = f"Approved with a second factor {time.time():.0f}."
    page_md.write_text(page_md.read_text() + f"\n{marker}\n")
    run = agent.paused()
    link = f"{secure.api.removesuffix('/api')}/v2/runs/flow-run/{run}"
    before = secure.production_keys()

    def approve(page: Any, code: str) -> None:
        # a busy SQLite server answers the UI's resume with a 500 ("database is locked") now
        # and then, and nothing changes; a person would submit again
        for _ in range(3):
            with page.expect_response(
                lambda r: r.request.method == "POST" and r.url.rstrip("/").endswith("/resume")
            ) as answer:
                submit(page, code)
            if answer.value.status < 500:
                return
        raise AssertionError(f"the server answered the UI's resume with {answer.value.status}")

    def submit(page: Any, code: str) -> None:
        page.goto(link)
        page.get_by_role("button", name="Open menu").first.click()
        page.get_by_role("menuitem", name="Resume").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_label("Type DEPLOY TO PRODUCTION to approve").fill(PHRASE)
        dialog.get_by_label("Your name").fill("Ada")
        dialog.get_by_label("Code from your authenticator app").fill(code)
        dialog.get_by_role("button", name="Resume").click()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.set_default_timeout(90000)  # the UI loads the form from the API; CI may be busy
        try:
            key = agent.pause_key()
            approve(page, wrong_code(secure.secret))
            assert _after_flow(agent, run, key) == "flow: wrong code, asks again"
            assert secure.production_keys() == before
            # the form says why it asks again
            page.goto(link)
            page.get_by_role("button", name="Open menu").first.click()
            page.get_by_role("menuitem", name="Resume").click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_label("Code from your authenticator app")).to_be_visible(
                timeout=60000
            )
            expect(dialog.get_by_text("The code was wrong").first).to_be_visible(timeout=30000)
            page.keyboard.press("Escape")

            approve(page, fresh_code(secure))
            wait_until(
                lambda: agent.state(run) in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"},
                300,
                "the approved run to finish",
                interval=1,
            )
            assert agent.state(run) == "COMPLETED", secure.log.read_text()[-3000:]
        except Exception:
            page.screenshot(path=str(tmp_path / "totp-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    assert secure.production_keys() != before
    body = secure.s3("worker").get_object(Bucket=PROD, Key="privacy/index.html")
    raw = body["Body"].read()
    import gzip

    html = gzip.decompress(raw) if body.get("ContentEncoding") == "gzip" else raw
    assert marker.encode() in html
    entry = json.loads(secure.approvals_log.read_text().splitlines()[-1])
    assert (entry["approver"], entry["second_factor"], entry["flow_run_id"]) == ("Ada", True, run)
