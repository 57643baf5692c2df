"""``--site NAME`` on the commands that act on a site, and a task file's ``site:``.

Each command is run as Claude Code runs it (the console script, a workspace file named by
``HUGOPIPE_WORKSPACE_FILE``). None of these needs a Prefect server: an unknown site is
refused before anything is contacted, and ``validate``/``deploy`` run locally.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli
from tests.support import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture
def workspace(tmp_path: Path) -> dict[str, str]:
    for src, dest in (
        (ROOT / "examples" / "site", "www"),
        (ROOT / "examples" / "site-docs", "docs"),
    ):
        shutil.copytree(src, tmp_path / dest, ignore=shutil.ignore_patterns("public", ".hugopipe"))
    f = tmp_path / "hugopipe-workspace.toml"
    f.write_text('default = "www"\n[sites.www]\npath = "www"\n[sites.docs]\npath = "docs"\n')
    return {
        "HUGOPIPE_WORKSPACE_FILE": str(f),
        "HUGOPIPE_WORKSPACE": str(tmp_path),
        # nothing listens here: a command that reached the API would exit 4, not 2
        "PREFECT_API_URL": "http://127.0.0.1:9/api",
    }


UNKNOWN = [
    ("validate", "--site", "shop", "--no-build"),
    ("plan", "--env", "staging", "--site", "shop"),
    ("deploy", "--site", "shop", "--target", "staging", "--dry-run"),
    ("rollback", "--env", "staging", "--site", "shop", "--list"),
    ("run", "publish", "--env", "staging", "--site", "shop"),
    ("runs", "--site", "shop"),
    ("status", "--site", "shop"),
    ("doctor", "--site", "shop"),
]


@pytest.mark.parametrize("args", UNKNOWN, ids=[a[0] for a in UNKNOWN])
def test_an_unknown_site_exits_2_listing_the_known_ones(
    workspace: dict[str, str], args: tuple[str, ...]
) -> None:
    proc = run_cli(*args, "--json", env=workspace)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "unknown site 'shop'" in proc.stderr and "www, docs" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_validate_takes_the_site_by_name_and_names_it(workspace: dict[str, str]) -> None:
    proc = run_cli("validate", "--site", "docs", "--no-build", "--json", env=workspace)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["site_name"] == "docs"
    assert report["site_dir"] == str(Path(workspace["HUGOPIPE_WORKSPACE"]) / "docs")


def test_the_listed_site_of_the_current_directory_is_the_default(
    workspace: dict[str, str],
) -> None:
    content = Path(workspace["HUGOPIPE_WORKSPACE"]) / "docs" / "content"
    proc = run_cli("validate", "--no-build", "--json", env=workspace, cwd=content)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["site_name"] == "docs"


def test_status_needs_a_run_or_a_site(workspace: dict[str, str]) -> None:
    proc = run_cli("status", "--json", env=workspace)
    assert proc.returncode == 2 and "--site NAME" in proc.stderr


def test_deploy_refuses_a_staging_target_on_another_sites_production_bucket(
    workspace: dict[str, str],
) -> None:
    """docs' staging re-pointed at www's production bucket is production: refused (exit 3)
    before any network call, while docs' own staging is not."""
    hugo = Path(workspace["HUGOPIPE_WORKSPACE"]) / "docs" / "config" / "_default" / "hugo.toml"
    proc = run_cli("deploy", "--site", "docs", "--target", "production", "--json", env=workspace)
    assert proc.returncode == 3, proc.stderr
    hugo.write_text(
        hugo.read_text().replace("s3://hugopipe-docs-staging?", "s3://hugopipe-example-production?")
    )
    proc = run_cli("deploy", "--site", "docs", "--target", "staging", "--json", env=workspace)
    assert proc.returncode == 3 and "refuses the production target" in proc.stderr, proc.stderr
    # without the workspace file, docs alone cannot know www's bucket: it is not refused there
    # (it fails later, at the unreachable endpoint or missing public/, never with exit 3)
    alone = {**workspace, "HUGOPIPE_WORKSPACE_FILE": ""}
    proc = run_cli(
        "deploy", "--site", str(hugo.parents[2]), "--target", "staging", "--dry-run", env=alone
    )
    assert proc.returncode != 3, proc.stderr


TASK = """---
task_id: {task_id}
task_type: hugo-validate
site: {site}
---
Validate.
"""


def test_a_task_files_site_is_checked_against_the_workspace(
    workspace: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text(TASK.format(task_id="t-bad", site="shop"))
    proc = run_cli("submit", str(bad), "--json", env=workspace)
    assert proc.returncode == 2, proc.stderr
    assert f"{bad}:4: site: unknown site 'shop'" in proc.stderr
    assert "www, docs" in proc.stderr
    problems = json.loads(proc.stdout)["problems"]
    assert [p["field"] for p in problems] == ["site"]


def test_a_task_file_naming_a_listed_site_runs_on_it(
    workspace: dict[str, str], tmp_path: Path
) -> None:
    good = tmp_path / "good.md"
    good.write_text(TASK.format(task_id="t-docs", site="docs"))
    env = {**workspace, "HUGOPIPE_RESULTS_DIR": str(tmp_path / "results"),
           "HUGOPIPE_TASKS_DIR": str(tmp_path / "tasks")}  # fmt: skip
    proc = run_cli("submit", str(good), "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["site_name"] == "docs"
    result = Path(data["result_path"]).read_text()
    assert "\nsite: docs\n" in result
