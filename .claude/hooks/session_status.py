#!/usr/bin/env python3
"""SessionStart hook: tell Claude what the pipeline is waiting for, in a few lines.

Live state belongs in a hook, not in CLAUDE.md (it changes every run). Prints plain
text on stdout, which Claude Code adds to the session context for SessionStart.
It must never get in the way of a session: every failure path prints one line and
exits 0. Reads the Prefect REST API with the standard library (2 s timeout):
runs PAUSED (waiting for approval, with /v2/ UI links - the legacy /runs/ link
cannot take the typed confirmation) and runs that FAILED/CRASHED since the last
session, whose time is kept in ``.hugopipe/last_session`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timedelta, timezone

TIMEOUT = 2.0
LIMIT = 10


def _profile_setting(name):
    try:
        import tomllib
    except Exception:
        return None
    home = os.path.expanduser(os.environ.get("PREFECT_HOME", "~/.prefect"))
    path = os.path.expanduser(
        os.environ.get("PREFECT_PROFILES_PATH", os.path.join(home, "profiles.toml"))
    )
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except Exception:
        return None
    active = os.environ.get("PREFECT_PROFILE") or data.get("active")
    value = (data.get("profiles") or {}).get(active or "", {}).get(name)
    return str(value) if value else None


def api_url():
    url = os.environ.get("PREFECT_API_URL") or _profile_setting("PREFECT_API_URL")
    return (url or "http://127.0.0.1:4200/api").rstrip("/")


def ui_link(run_id):
    base = os.environ.get("PREFECT_UI_URL") or _profile_setting("PREFECT_UI_URL")
    if not base:
        base = api_url()
        if base.endswith("/api"):
            base = base[: -len("/api")]
    base = base.rstrip("/")
    if base.endswith("/v2"):
        base = base[: -len("/v2")]
    return f"{base}/v2/runs/flow-run/{run_id}"


def _headers():
    import base64

    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    auth = os.environ.get("PREFECT_API_AUTH_STRING") or _profile_setting("PREFECT_API_AUTH_STRING")
    key = os.environ.get("PREFECT_API_KEY") or _profile_setting("PREFECT_API_KEY")
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    elif key:
        headers["Authorization"] = "Bearer " + key
    return headers


def post(path, body):
    import urllib.request

    req = urllib.request.Request(
        api_url() + path, data=json.dumps(body).encode(), headers=_headers(), method="POST"
    )
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
        return json.loads(resp.read().decode("utf-8"))


def project_dir(payload):
    return os.environ.get("CLAUDE_PROJECT_DIR") or payload.get("cwd") or os.getcwd()


def read_last_session(path):
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read().strip()
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return when if when.tzinfo else when.replace(tzinfo=timezone.utc)  # noqa: UP017 - datetime.UTC needs 3.11; this runs on any python3
    except Exception:
        return None


def write_last_session(path, when):
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(when.isoformat())
        os.replace(tmp, path)
    except OSError:
        pass


def _describe(run, flows):
    params = run.get("parameters") or {}
    env = params.get("env") or params.get("environment")
    flow = flows.get(run.get("flow_id"), "")
    label = "{}/{}".format(flow, run.get("name")) if flow else str(run.get("name"))
    if env:
        label += f" (env {env})"
    return label


def status_lines(now, since):
    paused = post(
        "/flow_runs/filter",
        {
            "flow_runs": {"state": {"type": {"any_": ["PAUSED"]}}},
            "sort": "START_TIME_DESC",
            "limit": LIMIT,
            "offset": 0,
        },
    )
    failed = post(
        "/flow_runs/filter",
        {
            "flow_runs": {
                "state": {"type": {"any_": ["FAILED", "CRASHED"]}},
                "end_time": {"after_": since.isoformat()},
            },
            "sort": "END_TIME_DESC",
            "limit": LIMIT,
            "offset": 0,
        },
    )
    flow_ids = sorted({r.get("flow_id") for r in paused + failed if r.get("flow_id")})
    flows = {}
    if flow_ids:
        try:
            for f in post(
                "/flows/filter", {"flows": {"id": {"any_": flow_ids}}, "limit": 50, "offset": 0}
            ):
                flows[f.get("id")] = f.get("name", "")
        except Exception:
            flows = {}
    lines = []
    if paused:
        lines.append(f"Pipeline: {len(paused)} run(s) waiting for approval in the Prefect UI:")
        for r in paused:
            lines.append("- {}: {}".format(_describe(r, flows), ui_link(r["id"])))
        lines.append(
            "  Production approval is a human typing DEPLOY TO PRODUCTION in that UI; "
            "Claude Code does not approve production runs."
        )
    else:
        lines.append("Pipeline: no runs waiting for approval.")
    if failed:
        lines.append(f"Failed since {since:%Y-%m-%d %H:%M} UTC: {len(failed)} run(s):")
        for r in failed:
            state = r.get("state") or {}
            msg = (state.get("message") or "").strip().splitlines()
            msg = (" - " + msg[0][:140]) if msg else ""
            lines.append(
                "- {} {}{} (`uv run hugopipe retries {}`)".format(
                    _describe(r, flows), state.get("name", "Failed"), msg, r["id"]
                )
            )
    else:
        lines.append("No failed runs since {}.".format(since.strftime("%Y-%m-%d %H:%M UTC")))
    return lines


def main():
    try:
        raw = sys.stdin.read()
        try:
            payload = json.loads(raw) if raw.strip() else {}
        except ValueError:
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        state_file = os.path.join(project_dir(payload), ".hugopipe", "last_session")
        now = datetime.now(timezone.utc)  # noqa: UP017 - datetime.UTC needs 3.11; this runs on any python3
        since = read_last_session(state_file) or now - timedelta(hours=24)
        try:
            lines = status_lines(now, since)
        except Exception as exc:
            print(
                f"Pipeline status unavailable: the Prefect API at {api_url()} did not answer ({exc.__class__.__name__})."
            )
            return 0
        write_last_session(state_file, now)
        print("\n".join(lines))
    except Exception as exc:  # never block or break a session
        print(f"Pipeline status unavailable ({exc.__class__.__name__}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
