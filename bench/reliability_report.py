"""Run the reliability suite and write its figures to docs/reliability.md.

    uv run python bench/reliability_report.py            # run tests/reliability, write the doc
    uv run python bench/reliability_report.py --no-write # print the figures only

Each test module of the suite (marker ``reliability``) records its figures as JSON in
``$HUGOPIPE_RELIABILITY_DIR``; this script sets that to a fresh folder, runs the suite
once, and renders the promises, how each is tested and the numbers it measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"

PROMISES = """\
| promise | how it is kept | how it is tested |
|---|---|---|
| **Nothing lost under faults.** A deploy through a flaky network loses or garbles nothing and deletes nothing when it fails; running it again converges. | botocore retries throttling, 5xx and resets; a failed upload stops later groups and every delete; `.hugopipe/pending.json` makes the next plan re-upload what an interrupted apply touched. | `tests/reliability/test_faults.py`: a loopback proxy in front of moto fails 10 % of all requests (GET, HEAD, PUT, POST, listings, deletes) with 503 SlowDown, 500, a reset before the request, after it took effect and in the middle of the response body, or a slow answer, across 17 deploy phases (new posts, edits, removals, a new image). |
| **Readers never see a half deploy.** At any moment, no page in the bucket links to a same-site object that is not there. | `deploy/order.py`: assets first, then pages in link levels (a page after every new page it links to; pages that link to each other share a level, see the limit below), then feeds and sitemaps, redirects last; deletes only after every upload, never of an object an uploaded page links to. A link written without its trailing slash counts as a link to the folder's page; a site's `[deployment] order` regexes sort only within these groups. Only references to a page or feed that may not be in the bucket yet, or to an object being deleted, can break a link, so only those are looked for: an edit with nothing new and nothing deleted reads no page (the planner's groups: assets, pages, feeds), and otherwise a page is parsed only when its bytes or its own path name one of those paths as a whole path segment (`deploy/links.py`, `needles` and `mentions`). | `tests/reliability/test_crash.py`: a real `hugopipe deploy` adding two posts that link to each other, a new page in a new section (a new list page linking its new feed) that the first links to, and two images is SIGKILLed at a random request anywhere in a full deploy (the proxy holds it, so the kill lands there; the site orders uploads with `[deployment] order` regexes, as sites do); after each kill every HTML object's links are checked (a kill between the two posts of the cycle is counted apart, as a cycle window), then the rerun must converge. `tests/deploy/test_order.py` checks the same after every single write against the in-memory store. |
| **An empty build never wipes the site.** | `deploy/safety.py`: refuse more than 256 deletes (Hugo's `maxDeletes`), more than 25 % of the bucket, and any delete from an output with no pages or under a tenth of the bucket; the refusal gives the numbers and `--allow-deletes N`; every delete says why. | `tests/deploy/test_decide.py`, `tests/deploy/test_order.py`, the corpus's "public: empty" and "public: no pages" cases, and `tests/test_publish_failures.py`: a served `publish` to staging and to production whose build makes no page fails at the plan, before any write and (production) before the approval pause, with the numbers and `--allow-deletes N` in its result file. |
| **Every bad input, a clear error.** The documented exit code, the file (and line) to fix, what to do; never a traceback, never a bucket change, never a write outside the workspace. | damaged `.hugopipe/` objects name the object and `--full-check` (which rebuilds the state from a listing and writes it back); YAML read with limits (`safeyaml.py`); unknown environments refused; Hugo's config errors name the file; refused or unresolvable endpoints give up after one retry (exit 4); `workspace.py` (the one path check) keeps task-file paths, a content task's page and every flow's site and folder parameters inside the workspace. | `tests/reliability/test_bad_inputs.py`: a corpus of damaged bucket state, bad file names, empty outputs, broken `hugopipe.toml` and Hugo configs, unknown environments and targets, an unreachable endpoint, task files (not UTF-8, alias and depth bombs, 300 KB, paths out of the workspace), damaged result files, and each flow (`publish`, `rollback`, `nightly-maintenance`, `scheduled-publish`, `external-links`, `task-file`) called with a site of `../elsewhere` and an absolute path beside the workspace (a real site there; nothing beside the workspace may change). |
| **No secret in any output.** | credentials are read from the environment or the Prefect block and handed to botocore only; result files redact logs. | `tests/reliability/test_secrets.py`: fake AWS, Anthropic, GitHub and Prefect secrets planted in the environment (and the AWS one in the `hugopipe-aws` block); every command's stdout and stderr, every file written, every bucket object, and for the `publish` and `rollback` flow runs their logs, artifacts, result files and the worker's log are scanned. |
| **Two publishes at once serialize.** The bucket ends equal to the later one's output. | `publishlock.py`: an `flock` per site and environment, held by `hugopipe deploy` around plan and apply and by the `publish` flow (non-production) from build to apply; released by the kernel if the process dies. | `tests/reliability/test_concurrency.py`: the second deploy, started while the first is held mid-request, sends nothing until the first is done, then deploys its own output. |

**Limit: pages that link to each other.** Two new pages that link to each other (a new post
and the next new post, each the other's next/previous link; a new post and its new tag page)
are a cycle: whichever goes up first links to the other before it exists, so no order can
serve both, and `deploy/order.py` uploads them in one group after everything either links
to. Until that group is complete a reader can follow one of those links to a missing page.
A new page that links to another new page without a link back is no cycle and is always
ordered (the crash test checks it every round). The crash test counts the kills that land
inside a cycle's group as cycle windows.
"""


def run_suite(out: Path) -> tuple[int, float]:
    env = dict(os.environ, HUGOPIPE_RELIABILITY_DIR=str(out))
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-m", "reliability", "tests/reliability"],
        cwd=ROOT,
        env=env,
        check=False,
    )
    return proc.returncode, time.monotonic() - started


def load(out: Path) -> dict[str, dict]:
    return {
        p.stem.removeprefix("reliability-"): json.loads(p.read_text())
        for p in sorted(out.glob("reliability-*.json"))
    }


def figures_table(f: dict[str, dict]) -> str:
    def g(part: str, key: str) -> str:
        value = f.get(part, {}).get(key)
        return (
            "not run" if value is None else f"{value:,}" if isinstance(value, int) else str(value)
        )

    secrets = sum(
        f.get(p, {}).get("secrets_found", 0) for p in ("secrets_commands", "secrets_flows")
    )
    scanned = sum(
        f.get(p, {}).get("outputs_scanned", 0) for p in ("secrets_commands", "secrets_flows")
    )
    faults = f.get("faults", {})
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(faults.get("faults_by_kind", {}).items()))
    methods = ", ".join(f"{k} {v}" for k, v in sorted(faults.get("requests_by_method", {}).items()))
    rows = [
        ("faults", "requests through the fault proxy", g("faults", "requests") + f" ({methods})"),
        ("faults", "faults injected", g("faults", "faults_injected") + f" ({kinds})"),
        ("faults", "deploy attempts / failed attempts", f"{g('faults', 'deploy_attempts')} / {g('faults', 'failed_attempts')}"),
        ("faults", "**objects lost**", g("faults", "objects_lost")),
        ("faults", "deletes by a failed deploy", g("faults", "deletes_by_failed_deploys")),
        ("faults", "phases that did not converge", g("faults", "non_converged_phases")),
        ("faults", "tracebacks", g("faults", "tracebacks")),
        ("crash", "**kills** (SIGKILL of `hugopipe deploy`)", g("crash", "kills")),
        ("crash", "**reference violations** after a kill", g("crash", "reference_violations")),
        ("crash", "**non-converged reruns**", g("crash", "non_converged_reruns")),
        ("crash", "cycle windows (a kill between two new pages that link to each other)", g("crash", "cycle_windows")),
        ("bad input", "**bad inputs tried**", g("bad_inputs", "cases")),
        ("bad input", "**tracebacks**", g("bad_inputs", "tracebacks")),
        ("bad input", "unclear (wrong exit code or culprit not named)", g("bad_inputs", "unclear")),
        ("bad input", "**bucket changes**", g("bad_inputs", "bucket_changes")),
        ("bad input", "**outside writes**", g("bad_inputs", "outside_writes")),
        ("secrets", "outputs scanned (commands + flows)", f"{scanned:,}"),
        ("secrets", "flow runs scanned", g("secrets_flows", "flow_runs")),
        ("secrets", "**secrets found**", f"{secrets:,}"),
        ("concurrency", "publishes started at once / serialized", f"{g('concurrency', 'publishes')} / {g('concurrency', 'serialized')}"),
        ("concurrency", "objects differing from the later publish", g("concurrency", "bucket_differences_from_later")),
    ]  # fmt: skip
    lines = ["| part | figure | latest |", "|---|---|---:|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def render(figures: dict[str, dict], code: int, seconds: float) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    status = "passed" if code == 0 else f"FAILED (pytest exit {code})"
    return f"""# Reliability

What hugopipe promises about failures, how each promise is kept, and how the reliability
suite (`tests/reliability/`, marker `reliability`, part of the CI run) tests it. The
figures below are written by `bench/reliability_report.py`, which runs the suite.

## Promises

{PROMISES}
## Latest figures

Run {when}: the suite {status} in {seconds:.0f} s.

{figures_table(figures)}

Regenerate: `uv run python bench/reliability_report.py`.
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true", help="print; do not write the doc")
    ap.add_argument("--figures", type=Path, help="render figures already in this folder")
    args = ap.parse_args()
    if args.figures:
        out, code, seconds = args.figures, 0, 0.0
    else:
        out = Path(tempfile.mkdtemp(prefix="hugopipe-reliability-"))
        code, seconds = run_suite(out)
    text = render(load(out), code, seconds)
    if args.no_write:
        print(text)
    else:
        DOC.write_text(text)
        print(f"wrote {DOC}", file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":
    main()
