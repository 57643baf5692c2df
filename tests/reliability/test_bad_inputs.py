"""Bad input corpus: every case ends in its documented exit code and a message naming the
culprit, never a traceback, never a change to the bucket, never a write outside the workspace.

The cases are what a hostile or careless user hands the CLI: damaged ``.hugopipe/``
objects in the bucket, file names in ``public/`` that cannot be keys, an empty output,
broken ``hugopipe.toml`` and Hugo configs, unknown environments and targets, an
unreachable endpoint, task files that are not UTF-8 or are YAML bombs or point outside
the workspace, damaged result files, and every flow's site (and other path) parameters
pointing out of the workspace. Commands run in this process (``main``), so an
exception that escapes the exit table is caught here and counted as a traceback; a
flow is called as its function (``.fn``) and its error goes through the same table.
"""

from __future__ import annotations

import gzip
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hugopipe.cli.main import main

from .support import build, deploy_cmd, make_site, record

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

STATE = ".hugopipe/"
TOML = 'hugopipe_toml = """x"""'
ENVS = '[environments.dev]\ntarget = "dev"\n[environments.staging]\ntarget = "staging"\n'


@dataclass
class Case:
    name: str
    argv: Callable[[Path, str], list[str] | Callable[[], int]]  # (case folder, endpoint) → argv
    code: int
    named: str  # must appear in stderr: the file, object or flag to act on
    setup: Callable[[Path, Any, str], object] = lambda d, s3, bucket: None
    outside: str | None = None  # the folder outside the workspace the case aims at (never written)


def deploy(*extra: str) -> Callable[[Path, str], list[str]]:
    return lambda d, ep: deploy_cmd(d / "site", ep, *extra)[1:]


def put(key: str, body: bytes) -> Callable[[Path, Any, str], None]:
    return lambda d, s3, bucket: s3.put_object(Bucket=bucket, Key=key, Body=body)


def write(rel: str, text: str | bytes) -> Callable[[Path, Any, str], None]:
    def do(d: Path, s3: Any, bucket: str) -> None:
        p = d / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text if isinstance(text, bytes) else text.encode())

    return do


def append(rel: str, text: str) -> Callable[[Path, Any, str], None]:
    def do(d: Path, s3: Any, bucket: str) -> None:
        with (d / rel).open("a") as fh:
            fh.write(text)

    return do


def emptied(d: Path, s3: Any, bucket: str) -> None:
    shutil.rmtree(d / "site/public")
    (d / "site/public").mkdir()


def only_css(d: Path, s3: Any, bucket: str) -> None:
    emptied(d, s3, bucket)
    (d / "site/public/site.css").write_text("body{}")


def bad_name(name: bytes) -> Callable[[Path, Any, str], None]:
    def do(d: Path, s3: Any, bucket: str) -> None:
        path = os.path.join(os.fsencode(d / "site/public"), name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(b"x")

    return do


def half_manifest(d: Path, s3: Any, bucket: str) -> None:
    body = s3.get_object(Bucket=bucket, Key=STATE + "manifest.json.gz")["Body"].read()
    s3.put_object(Bucket=bucket, Key=STATE + "manifest.json.gz", Body=body[: len(body) // 2])


BOMB = "\n".join(
    ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
)
DEEP = "deep: " + "[" * 200 + "]" * 200
TASK = "---\ntask_id: t1\ntask_type: hugo-build\n{extra}---\nbody\n"


def task(text: str | bytes) -> Callable[[Path, Any, str], None]:
    return write("task.md", text)


def linked_task(d: Path, s3: Any, bucket: str) -> None:
    """A task whose site_path is a symlink in the workspace to a folder beside it."""
    os.symlink(d.parent / "linked-elsewhere", d / "link")
    task(TASK.format(extra="params:\n  site_path: link\n"))(d, s3, bucket)


def submit(d: Path, ep: str) -> list[str]:
    return ["submit", str(d / "task.md")]


def result_file(text: str | bytes) -> Callable[[Path, Any, str], None]:
    return write("results/2026-01-01/t1.result.md", text)


def result(*extra: str) -> Callable[[Path, str], list[str]]:
    return lambda d, ep: ["result", RUN_ID, *[e.replace("{d}", str(d)) for e in extra]]


def latest() -> Callable[[Path, str], list[str]]:
    return lambda d, ep: ["result", "--latest"]


def flow(module: str, name: str, **params: Any) -> Callable[[Path, str], Callable[[], int]]:
    """Call flow ``name`` of ``flows.<module>`` (its function) with ``params`` (a callable
    value gets the case folder); its error is rendered and coded like a command's."""

    def argv(d: Path, ep: str) -> Callable[[], int]:
        def call() -> int:
            import importlib

            from hugopipe.cli.exits import for_error, report

            fn = getattr(importlib.import_module(f"flows.{module}"), name)
            try:
                getattr(fn, "fn", fn)(**{k: v(d) if callable(v) else v for k, v in params.items()})
            except Exception as exc:  # only what the exit table knows (a task file's problems too)
                if for_error(exc) is None:
                    raise  # a bug: the case fails with its traceback
                return int(report(exc))
            return 0

        return call

    return argv


def site_copy(name: str) -> Callable[[Path, Any, str], None]:
    """A real site (built) at ``<case>/<name>``, outside the workspace: a flow that did not
    refuse it would build, lock or write its ``.hugopipe/`` there."""

    def do(d: Path, s3: Any, bucket: str) -> None:
        shutil.copytree(d / "site", d.parent / name, symlinks=True)

    return do


# every flow's site parameter: ../elsewhere and an absolute path outside the workspace
FLOWS: list[tuple[str, str, dict[str, Any]]] = [
    ("publish", "publish", {"env": "dev"}),
    ("rollback", "rollback", {"env": "dev"}),
    ("maintenance", "nightly_maintenance", {"environments": ["dev"]}),
    ("scheduled", "scheduled_publish", {"environments": ["dev"]}),
    ("links", "external_links", {"env": "dev"}),
    ("task_file", "task_file", {"task_file": lambda d: str(d / "task.md"), "task_id": "t1"}),
]
FLOW_CASES = [
    Case(f"flow {name}: site {how}", flow(module, name, site=site, **kw), 2, "the site parameter", site_copy(out), outside=out)
    for module, name, kw in FLOWS
    for how, out, site in [
        ("../elsewhere", "elsewhere", "../elsewhere"),
        ("absolute outside", "abs-elsewhere", lambda d: str(d.parent / "abs-elsewhere")),
    ]
] + [
    Case("flow nightly_maintenance: archive_dir outside", flow("maintenance", "nightly_maintenance", site=lambda d: str(d / "site"), archive_dir=lambda d: str(d.parent / "archive-out")), 2, "archive_dir", outside="archive-out"),
    Case("flow task-file: task_file outside", flow("task_file", "task_file", site=lambda d: str(d / "site"), task_file=lambda d: str(d.parent / "elsewhere-task.md"), task_id="t1"), 2, "the task_file parameter", lambda d, s3, b: (d.parent / "elsewhere-task.md").write_text(TASK.format(extra=""))),
    Case("flow task-file: the task's site_path outside", flow("task_file", "run_task", task_file=lambda d: str(d / "task.md"), site=lambda d: str(d / "site"), task_id="t1"), 2, "site_path", lambda d, s3, b: (site_copy("elsewhere")(d, s3, b), task(TASK.format(extra="params:\n  site_path: ../elsewhere\n"))(d, s3, b)), outside="elsewhere"),
]  # fmt: skip

RUN_ID = "5f7b6a0e-397d-4372-bd93-065f78b31833"
GOOD_RESULT = (
    "---\ntask_id: t1\ntask_type: hugo-build\nstatus: success\nflow_run_id: " + RUN_ID + "\n---\n"
)

CASES: list[Case] = [
    # the bucket's own state objects, damaged
    Case("pending: garbage", deploy(), 2, "pending.json", put(STATE + "pending.json", b"\0junk")),
    Case("pending: a list", deploy(), 2, "--full-check", put(STATE + "pending.json", b"[1, 2]")),
    Case("pending: keys not a list", deploy(), 2, "pending.json", put(STATE + "pending.json", b'{"keys": 5}')),
    Case("pending: keys not strings", deploy(), 2, "pending.json", put(STATE + "pending.json", b'{"keys": [1]}')),
    Case("pending: not UTF-8", deploy(), 2, "pending.json", put(STATE + "pending.json", b"\xff\xfe{}")),
    Case("pending: empty", deploy(), 2, "pending.json", put(STATE + "pending.json", b"")),
    Case("manifest: not gzip", deploy(), 2, "manifest.json.gz", put(STATE + "manifest.json.gz", b"plain")),
    Case("manifest: gzip of garbage", deploy(), 2, "--full-check", put(STATE + "manifest.json.gz", gzip.compress(b"{no"))),
    Case("manifest: wrong shape", deploy(), 2, "manifest.json.gz", put(STATE + "manifest.json.gz", gzip.compress(b'{"release_id": 5}'))),
    Case("manifest: a JSON list", deploy(), 2, "manifest.json.gz", put(STATE + "manifest.json.gz", gzip.compress(b"[]"))),
    Case("manifest: truncated", deploy(), 2, "manifest.json.gz", half_manifest),
    # public/
    Case("public: file name not UTF-8", deploy(), 2, "not valid UTF-8", bad_name(b"bad-\xff.html")),
    Case("public: folder name not UTF-8", deploy(), 2, "not valid UTF-8", bad_name(b"dir-\xfe/index.html")),
    Case("public: control character", deploy(), 2, "public", bad_name(b"a\nb.html")),
    Case("public: empty", deploy(), 1, "--allow-deletes", emptied),
    Case("public: no pages", deploy(), 1, "--allow-deletes", only_css),
    Case("public: missing", deploy("--public", "/nonexistent/public"), 2, "/nonexistent/public"),
    Case("public: a file", lambda d, ep: deploy_cmd(d / "site", ep, "--public", str(d / "site/hugo.toml"))[1:], 2, "hugo.toml"),
    # hugopipe.toml
    Case("toml: not TOML", deploy(), 2, "hugopipe.toml", write("site/hugopipe.toml", "[environments\n")),
    Case("toml: unknown table", deploy(), 2, "hugopipe.toml", write("site/hugopipe.toml", ENVS + "[deploy]\nx = 1\n")),
    Case("toml: unknown key", deploy(), 2, "hugopipe.toml", write("site/hugopipe.toml", ENVS + "colour = 1\n".join(["[environments.qa]\n", ""]))),
    Case("toml: production as a string", deploy(), 2, "hugopipe.toml", write("site/hugopipe.toml", ENVS.replace('target = "dev"\n', 'target = "dev"\nproduction = "yes"\n', 1))),
    Case("toml: environment not a table", deploy(), 2, "hugopipe.toml", write("site/hugopipe.toml", "[environments]\ndev = 5\n")),
    Case("deploy: unknown environment", deploy("--env", "stagng"), 2, "hugopipe.toml"),
    Case("deploy: unknown target", lambda d, ep: ["deploy", "--site", str(d / "site"), "--target", "nope"], 2, "hugo.toml"),
    Case("plan: unknown environment", lambda d, ep: ["plan", "--site", str(d / "site"), "--env", "stagng", "--public", str(d / "site/public")], 2, "hugopipe.toml"),
    Case("rollback: unknown environment", lambda d, ep: ["rollback", "--site", str(d / "site"), "--env", "stagng"], 2, "hugopipe.toml"),
    Case("validate: unknown key in hugopipe.toml", lambda d, ep: ["validate", "--site", str(d / "site"), "--env", "dev", "--public", str(d / "site/public")], 2, "hugopipe.toml", write("site/hugopipe.toml", ENVS + "[validate]\nstrictness = 1\n")),
    Case("plan: broken hugopipe.toml", lambda d, ep: ["plan", "--site", str(d / "site"), "--env", "dev", "--public", str(d / "site/public")], 2, "hugopipe.toml", write("site/hugopipe.toml", "[environments.dev\n")),
    Case("validate: unknown environment", lambda d, ep: ["validate", "--site", str(d / "site"), "--env", "stagng"], 2, "hugopipe.toml"),
    # Hugo's config
    Case("hugo: not TOML", deploy(), 2, "hugo.toml", append("site/hugo.toml", "\nbroken = [\n")),
    Case("validate: hugo.toml not TOML", lambda d, ep: ["validate", "--site", str(d / "site"), "--env", "dev"], 2, "hugo.toml:", append("site/hugo.toml", '\nbroken = "x\n')),
    Case("plan: hugo.toml not TOML", lambda d, ep: ["plan", "--site", str(d / "site"), "--env", "dev"], 2, "hugo.toml:", append("site/hugo.toml", '\nbroken = "x\n')),
    Case("validate: a config folder's file not TOML", lambda d, ep: ["validate", "--site", str(d / "site"), "--env", "dev"], 2, "config/dev/hugo.toml:2", write("site/config/dev/hugo.toml", 'title = "ok"\nbroken = "x\n')),
    Case("hugo: target URL not s3", lambda d, ep: ["deploy", "--site", str(d / "site"), "--target", "gs"], 2, "hugo.toml", append("site/hugo.toml", '[[deployment.targets]]\nname = "gs"\nurl = "gs://b"\n'), ),
    Case("hugo: unknown URL parameter", lambda d, ep: ["deploy", "--site", str(d / "site"), "--target", "odd"], 2, "hugo.toml", append("site/hugo.toml", '[[deployment.targets]]\nname = "odd"\nurl = "s3://b?disableSSL=true"\n')),
    Case("hugo: target without a url", lambda d, ep: ["deploy", "--site", str(d / "site"), "--target", "nourl"], 2, "hugo.toml", append("site/hugo.toml", '[[deployment.targets]]\nname = "nourl"\n')),
    Case("hugo: bad matcher regex", deploy(), 2, "hugo.toml", append("site/hugo.toml", '[[deployment.matchers]]\npattern = "(["\n')),
    Case("hugo: maxDeletes not a number", deploy(), 2, "hugo.toml", lambda d, s3, b: (d / "site/hugo.toml").write_text((d / "site/hugo.toml").read_text().replace("[deployment]\n", '[deployment]\nmaxDeletes = "many"\n'))),
    Case("hugo: bad order regex", deploy(), 2, "hugo.toml", lambda d, s3, b: (d / "site/hugo.toml").write_text((d / "site/hugo.toml").read_text().replace("[deployment]\n", "[deployment]\norder = ['(']\n"))),
    Case("bucket does not exist", lambda d, ep: ["deploy", "--site", str(d / "site"), "--target", "gone", "--endpoint-url", ep], 2, "hugo.toml", append("site/hugo.toml", '[[deployment.targets]]\nname = "gone"\nurl = "s3://no-such-bucket-19?use_path_style=true&region=us-east-1"\n')),
    Case("endpoint unreachable", lambda d, ep: deploy_cmd(d / "site", "http://127.0.0.1:9")[1:], 4, "endpoint"),
    Case("flag: --allow-deletes not a number", deploy("--allow-deletes", "all"), 2, "--allow-deletes"),
    # task files
    Case("task: not UTF-8", submit, 2, "task.md", task(b"---\ntask_id: t1\n\xff\xfe: 1\n---\n")),
    Case("task: alias bomb", submit, 2, "task.md", task("---\n" + BOMB + "\n---\n")),
    Case("task: nested 200 deep", submit, 2, "task.md", task("---\n" + DEEP + "\n---\n")),
    Case("task: 300 KB front matter", submit, 2, "task.md", task("---\n" + "k: v\n" * 60000 + "---\n")),
    Case("task: invalid YAML", submit, 2, "task.md", task("---\ntask_id: [t1\n---\n")),
    Case("task: front matter not closed", submit, 2, "task.md", task("---\ntask_id: t1\n")),
    Case("task: not a mapping", submit, 2, "task.md", task("---\n- a\n- b\n---\n")),
    Case("task: empty file", submit, 2, "task.md", task("")),
    Case("task: binary", submit, 2, "task.md", task(bytes(range(256)) * 4)),
    Case("task: site_path ../elsewhere", submit, 2, "site_path", task(TASK.format(extra="params:\n  site_path: ../elsewhere\n")), outside="elsewhere"),
    Case("task: site_path absolute outside", submit, 2, "site_path", lambda d, s3, b: task(TASK.format(extra=f"params:\n  site_path: {d.parent / 'abs-elsewhere'}\n"))(d, s3, b), outside="abs-elsewhere"),
    Case("task: site_path symlink out", submit, 2, "site_path", linked_task, outside="linked-elsewhere"),
    # result files (hugopipe result, against a Prefect API that knows the run)
    Case("result: garbage", result(), 2, "t1.result.md", result_file(b"\x00\x01 junk")),
    Case("result: invalid YAML", result(), 2, "t1.result.md", result_file("---\nstatus: [x\n---\n")),
    Case("result: not UTF-8", result(), 2, "t1.result.md", result_file(b"---\nstatus: \xff\n---\n")),
    Case("result: truncated", result(), 2, "t1.result.md", result_file(GOOD_RESULT[:30])),
    Case("result: wrong types", result(), 2, "t1.result.md", result_file(GOOD_RESULT.replace("status: success", "status: [1, 2]"))),
    Case("result: empty", result(), 2, "t1.result.md", result_file("")),
    Case("result: a YAML list", result(), 2, "t1.result.md", result_file("---\n- a\n---\n")),
    Case("result: alias bomb", result(), 2, "t1.result.md", result_file("---\n" + BOMB + "\n---\n")),
    Case("result --latest: garbage", latest(), 2, "t1.result.md", result_file(b"\x00\x01 junk")),
    Case("result --latest: invalid YAML", latest(), 2, "t1.result.md", result_file("---\nstatus: [x\n---\n")),
    Case("result --latest: not UTF-8", latest(), 2, "t1.result.md", result_file(b"---\nstatus: \xff\n---\n")),
    Case("result --latest: wrong types", latest(), 2, "t1.result.md", result_file(GOOD_RESULT.replace("status: success", "status: [1, 2]"))),
    Case("result --latest: empty", latest(), 2, "t1.result.md", result_file("")),
    Case("result --task-file: bad task file", result("--task-file", "{d}/task.md"), 2, "task.md", lambda d, s3, b: (result_file(GOOD_RESULT)(d, s3, b), task(b"\xff")(d, s3, b))),
]  # fmt: skip
CASES += FLOW_CASES


class FakeApi:
    """The Prefect API as ``hugopipe result`` asks it: one run (task id t1), no logs."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        pass

    def __enter__(self) -> FakeApi:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def flow_run(self, run_id: str) -> dict[str, Any]:
        return {"id": run_id, "start_time": "2026-01-01T00:00:00Z", "parameters": {"task_id": "t1"}}

    def request(self, method: str, path: str, json: Any = None) -> list:
        return []


def _bucket(s3: Any, bucket: str) -> dict[str, str]:
    listing = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: o["ETag"] for o in listing}


def _outside(d: Path) -> dict[str, int]:
    """Every file and folder beside the workspace ``d`` (in its parent), with its mtime."""
    return {str(p): p.lstat().st_mtime_ns for p in d.parent.rglob("*") if not p.is_relative_to(d)}


def test_bad_input_corpus(tmp_path, s3, bucket, moto_endpoint, capsys, monkeypatch):
    import hugopipe.prefect_rest

    monkeypatch.setattr(hugopipe.prefect_rest, "PrefectApi", FakeApi)
    base = tmp_path / "base"
    make_site(base / "site", moto_endpoint, bucket, posts=2)
    (base / "site/hugopipe.toml").write_text(ENVS)
    build(base / "site")
    assert main(deploy_cmd(base / "site", moto_endpoint)[1:]) == 0
    good_state = {
        k: s3.get_object(Bucket=bucket, Key=k)["Body"].read()
        for k in _bucket(s3, bucket)
        if k.startswith(STATE)
    }
    capsys.readouterr()
    tracebacks, unclear, changed, outside_writes, slow = [], [], [], [], []
    for i, case in enumerate(CASES):
        d = tmp_path / f"case{i:02d}" / "ws"
        shutil.copytree(base, d, symlinks=True)
        monkeypatch.setenv("HUGOPIPE_WORKSPACE", str(d))
        monkeypatch.setenv("HUGOPIPE_RESULTS_DIR", str(d / "results"))
        monkeypatch.chdir(d)
        case.setup(d, s3, bucket)
        before = _bucket(s3, bucket)
        around = _outside(d)
        started = time.monotonic()
        try:
            todo = case.argv(d, moto_endpoint)
            code = todo() if callable(todo) else main(todo)
        except SystemExit as exc:  # argparse: usage errors exit 2 with a message
            code = int(exc.code or 0)
        except BaseException as exc:
            tracebacks.append(f"{case.name}: {type(exc).__name__}: {exc}")
            code = -1
        took = time.monotonic() - started
        err = capsys.readouterr().err
        if code != -1 and (code != case.code or case.named not in err or "Traceback" in err):
            unclear.append(f"{case.name}: exit {code} (want {case.code}): {err.strip()[-400:]}")
        if _bucket(s3, bucket) != before:
            changed.append(case.name)
        if _outside(d) != around:  # anything created, changed or removed beside ws/
            outside_writes.append(case.name)
        # a bad input is refused at once; an unreachable endpoint retried for 29 s before.
        # The bound leaves room for a loaded machine (a flow case took 10.5 s at load 11)
        if took > 20:
            slow.append(f"{case.name}: {took:.1f} s")
        for k, body in good_state.items():  # undo the damage for the next case
            s3.put_object(Bucket=bucket, Key=k, Body=body)
        for k in set(_bucket(s3, bucket)) - set(good_state) - set(before):
            s3.delete_object(Bucket=bucket, Key=k)
        if (STATE + "pending.json") not in good_state:
            s3.delete_object(Bucket=bucket, Key=STATE + "pending.json")
    record(
        "bad_inputs",
        cases=len(CASES),
        tracebacks=len(tracebacks),
        unclear=len(unclear),
        bucket_changes=len(changed),
        outside_writes=len(outside_writes),
        slow=len(slow),
    )
    assert len(CASES) >= 40
    assert tracebacks == [], tracebacks
    assert unclear == [], "\n".join(unclear)
    assert changed == [] and outside_writes == [] and slow == []


@pytest.mark.parametrize(
    ("key", "body"),
    [("manifest.json.gz", b"plain"), ("pending.json", b"\0junk"), ("manifest.json.gz", b"")],
)
def test_full_check_repairs_damaged_state(tmp_path, s3, bucket, moto_endpoint, capsys, key, body):
    site = make_site(tmp_path / "site", moto_endpoint, bucket, posts=2)
    build(site)
    assert main(deploy_cmd(site, moto_endpoint)[1:]) == 0
    s3.put_object(Bucket=bucket, Key=STATE + key, Body=body)
    assert main(deploy_cmd(site, moto_endpoint)[1:]) == 2
    assert "--full-check" in capsys.readouterr().err
    assert main(deploy_cmd(site, moto_endpoint, "--full-check")[1:]) == 0
    assert main(deploy_cmd(site, moto_endpoint, "--json")[1:]) == 0  # repaired: plain deploys work
    assert '"status": "nothing to do"' in capsys.readouterr().out.replace('":"', '": "')


def test_a_symlink_out_of_public_is_skipped_with_a_warning(
    tmp_path, s3, bucket, moto_endpoint, capsys
):
    site = make_site(tmp_path / "site", moto_endpoint, bucket, posts=1)
    public = build(site)
    secret = tmp_path / "credentials"
    secret.write_text("aws_secret_access_key = not-for-the-bucket")
    os.symlink(secret, public / "leak.txt")
    os.symlink(tmp_path, public / "up")
    assert main(deploy_cmd(site, moto_endpoint, "--json")[1:]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "leak.txt" in err and "outside public/" in err
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert "leak.txt" not in keys and not any(k.startswith("up/") for k in keys)
