"""Task files: every bad field named with its line; valid files parsed; expected outputs checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from hugopipe.taskfile import ExpectedOutput, TaskFileError, load_task, parse_expected

SEED_TASK = """---
# Metadata
task_id: 2026-01-19-1430-hugo-build-staging
task_type: hugo-build
created_at: 2026-01-19T14:30:00Z
created_by: claude-code
status: pending
worker_type: hugo-builder
priority: normal
timeout_minutes: 10

# Context (audit trail)
context:
  user_request: "Deploy updated homepage to staging"
  branch: claude/update-homepage-xyz
  files_changed:
    - content/_index.md

# Task Parameters
params:
  site_path: {site}
  environment: staging
  base_url: https://www.klmcrm.com
  minify: true
  clean: true

# Expected Outputs (for CC verification)
expected_outputs:
  - build_success: boolean
  - file_count: integer (>100)
  - errors: array (empty)
  - duration_seconds: float (<60)

# Approval (if needed)
requires_approval: false
---

## Task Description
Build Hugo site for staging environment after homepage updates.
"""

# Line numbers matter: the test below asserts them.
BAD_TASK = """---
task_id: "bad id with spaces"
task_type: hugo-deploy-stagin
created_at: yesterday
priority: asap
timeout_minutes: -5
taks_status: pending
params:
  site_path: /nonexistent/site
  environment: Production!
  minify: maybe
expected_outputs:
  - build_success: boolean
  - file_count: integr (>100)
  - errors: array (few)
requires_approval: perhaps
---
body
"""


def write(tmp_path: Path, text: str, name: str = "task.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_task_file_is_valid(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    request, notices = load_task(write(tmp_path, SEED_TASK.format(site=site)))
    assert request.task_id == "2026-01-19-1430-hugo-build-staging"
    assert request.task_type == "hugo-build" and request.runner == "local-build"
    assert request.environment == "staging"
    assert request.context.files_changed == ["content/_index.md"]
    assert [e.describe() for e in request.expected_outputs] == [
        "boolean",
        "integer (>100)",
        "array (empty)",
        "float (<60)",
    ]
    assert "Build Hugo site" in request.description
    assert notices == []


def test_every_bad_field_is_named_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(TaskFileError) as info:
        load_task(write(tmp_path, BAD_TASK))
    got = {(p.field, p.line) for p in info.value.problems}
    assert got == {
        ("task_id", 2),
        ("task_type", 3),
        ("created_at", 4),
        ("priority", 5),
        ("timeout_minutes", 6),
        ("taks_status", 7),
        ("params.site_path", 9),
        ("params.environment", 10),
        ("params.minify", 11),
        ("expected_outputs.1", 14),
        ("expected_outputs.2", 15),
        ("requires_approval", 16),
    }
    for p in info.value.problems:
        assert p.fix, p  # every problem says what to do
    rendered = info.value.problems[0].render(str(tmp_path / "task.md"))
    assert rendered.startswith(f"{tmp_path / 'task.md'}:2: task_id:")


def test_typo_field_suggests_known_fields(tmp_path: Path) -> None:
    text = "---\ntask_id: t1\ntask_type: hugo-deploy-staging\nrequires_aproval: true\n---\n"
    with pytest.raises(TaskFileError) as info:
        load_task(write(tmp_path, text))
    (p,) = info.value.problems
    assert (p.field, p.line) == ("requires_aproval", 4)
    assert "requires_approval" in p.fix


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    text = "---\ntask_id: t1\ntask_type: hugo-build\nparams:\n  environment: [dev\n---\n"
    with pytest.raises(TaskFileError) as info:
        load_task(write(tmp_path, text))
    (p,) = info.value.problems
    assert p.field == "(YAML)" and p.line is not None and p.line >= 5


@pytest.mark.parametrize(
    ("bad", "line"),
    [
        ('summary: "unclosed\nparams:\n  environment: staging\n', 4),
        ("params: {environment: staging\nsummary: x\n", 4),
        ("params:\n  environment: [dev\nsummary: x\n", 5),
    ],
)
def test_an_unclosed_construct_points_at_the_line_that_opened_it(
    tmp_path: Path, bad: str, line: int
) -> None:
    """PyYAML gives up at the end of the front matter; the line to edit is the opening one."""
    text = f"---\ntask_id: t1\ntask_type: hugo-build\n{bad}---\nbody\n"
    with pytest.raises(TaskFileError) as info:
        load_task(write(tmp_path, text))
    (p,) = info.value.problems
    assert (p.field, p.line) == ("(YAML)", line), p.message
    assert f"opened on line {line}" in p.message


def test_missing_front_matter(tmp_path: Path) -> None:
    with pytest.raises(TaskFileError) as info:
        load_task(write(tmp_path, "task_id: x\n"))
    assert info.value.problems[0].line == 1


def test_front_matter_lines_hold_after_blank_lines(tmp_path: Path) -> None:
    text = "---\n\n# a comment\n\npriority: soon\ntask_type: hugo-build\n---\n\n---\nbody with a rule\n"
    with pytest.raises(TaskFileError) as info:
        load_task(write(tmp_path, text))
    (p,) = info.value.problems
    assert (p.field, p.line) == ("priority", 5)


def test_unclosed_front_matter(tmp_path: Path) -> None:
    with pytest.raises(TaskFileError) as info:
        load_task(write(tmp_path, "---\ntask_id: x\n"))
    (p,) = info.value.problems
    assert (p.field, p.line) == ("(front matter)", 1) and "not closed" in p.message


def test_front_matter_is_read_with_the_safe_loader(tmp_path: Path) -> None:
    text = "---\ntask_type: hugo-build\nx: !!python/object/apply:os.system ['true']\n---\n"
    with pytest.raises(TaskFileError) as info:
        load_task(write(tmp_path, text))
    (p,) = info.value.problems
    assert (p.field, p.line) == ("(YAML)", 3)


def test_front_matter_that_is_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(TaskFileError) as info:
        load_task(write(tmp_path, "---\n- a\n- b\n---\n"))
    (p,) = info.value.problems
    assert (p.field, p.line) == ("(front matter)", 2)


def test_environment_must_match_deploy_type(tmp_path: Path) -> None:
    text = "---\ntask_id: t1\ntask_type: hugo-deploy-staging\nparams:\n  environment: production\n---\n"
    with pytest.raises(TaskFileError) as info:
        load_task(write(tmp_path, text))
    (p,) = info.value.problems
    assert (p.field, p.line) == ("params.environment", 5)
    assert "hugo-deploy-production" in p.fix


def test_production_cannot_opt_out_of_approval(tmp_path: Path) -> None:
    text = "---\ntask_id: t1\ntask_type: hugo-deploy-production\nrequires_approval: false\n---\n"
    with pytest.raises(TaskFileError) as info:
        load_task(write(tmp_path, text))
    assert [(p.field, p.line) for p in info.value.problems] == [("requires_approval", 4)]


def test_approval_confirmed_is_refused(tmp_path: Path) -> None:
    text = "---\ntask_id: t1\ntask_type: hugo-deploy-production\napproval_confirmed: true\n---\n"
    with pytest.raises(TaskFileError) as info:
        load_task(write(tmp_path, text))
    (p,) = info.value.problems
    assert (p.field, p.line) == ("approval_confirmed", 4)
    assert "Prefect UI" in p.message


def test_approval_confirmation_phrase_is_ignored_with_a_notice(tmp_path: Path) -> None:
    # The user's own production template carries the phrase: accepted, never used.
    text = (
        "---\ntask_id: t1\ntask_type: hugo-deploy-production\nrequires_approval: true\n"
        'approval_confirmation: "DEPLOY TO PRODUCTION"\nparams:\n  bucket: s3://example.com\n---\n'
    )
    request, notices = load_task(write(tmp_path, text))
    assert request.environment == "production"
    assert any("approval_confirmation is ignored" in n for n in notices)
    assert any("bucket" in n for n in notices)


def test_task_id_defaults_to_file_name(tmp_path: Path) -> None:
    text = "---\ntask_type: hugo-deploy-staging\n---\n"
    request, notices = load_task(write(tmp_path, text, "2026-01-19-1500-hugo-deploy-staging.md"))
    assert request.task_id == "2026-01-19-1500-hugo-deploy-staging"
    assert any("task_id missing" in n for n in notices)


def test_unknown_environment_against_site_config(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "hugopipe.toml").write_text(
        "[environments.dev]\n[environments.live]\nproduction = true\n"
    )
    text = f"---\ntask_id: t1\ntask_type: hugo-build\nparams:\n  site_path: {site}\n  environment: staging\n---\n"
    with pytest.raises(TaskFileError) as info:
        load_task(write(tmp_path, text))
    (p,) = info.value.problems
    assert (p.field, p.line) == ("params.environment", 6)
    assert "dev, live" in p.fix


def test_a_site_outside_the_workspace_is_a_problem_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused while the file is read, so `submit --json` lists it and the intake starts nothing."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.setenv("HUGOPIPE_WORKSPACE", str(tmp_path / "work"))
    text = f"---\ntask_id: t1\ntask_type: hugo-build\nparams:\n  site_path: {outside}\n---\n"
    with pytest.raises(TaskFileError) as info:
        load_task(write(tmp_path, text))
    (p,) = info.value.problems
    assert (p.field, p.line) == ("params.site_path", 5)
    assert "outside the workspace" in p.message and "HUGOPIPE_WORKSPACE" in p.fix


@pytest.mark.parametrize(
    ("spec", "outputs", "passed"),
    [
        ("build_success: boolean", {"build_success": True}, True),
        ("build_success: boolean", {"build_success": "yes"}, False),
        ("file_count: integer (>100)", {"file_count": 247}, True),
        ("file_count: integer (>100)", {"file_count": 54}, False),
        ("file_count: integer (>100)", {"file_count": 100.5}, False),
        ("errors: array (empty)", {"errors": []}, True),
        ("errors: array (empty)", {"errors": ["x"]}, False),
        ("duration_seconds: float (<60)", {"duration_seconds": 12}, True),
        ("duration_seconds: float (<60)", {"duration_seconds": 61.0}, False),
        ("http_status: integer (==200)", {"http_status": 200}, True),
        ("http_status: integer (==200)", {"http_status": 503}, False),
        # a bare name means "present": there and not null (issue 17)
        ("invalidation_id", {"invalidation_id": None}, False),
        ("invalidation_id", {"invalidation_id": "I1"}, True),
        ("invalidation_id: string (present)", {"invalidation_id": None}, False),
        ("uploaded_files", {}, False),
        ("warnings: array (non-empty)", {"warnings": ["w"]}, True),
    ],
)
def test_expected_output_checks(spec: str, outputs: dict, passed: bool) -> None:
    check = parse_expected(spec).check(outputs)
    assert check.passed is passed, check


def test_expected_output_forms() -> None:
    assert parse_expected("build_success") == ExpectedOutput(name="build_success")
    assert parse_expected({"file_count": "integer (>100)"}) == ExpectedOutput(
        name="file_count", type="integer", constraint=">100"
    )
    with pytest.raises(ValueError, match="unknown type"):
        parse_expected({"x": "integr"})
    with pytest.raises(ValueError, match="identifier"):
        parse_expected("file count")


def test_the_context_reaches_the_runs_parameters(tmp_path: Path) -> None:
    """The approval form shows what was asked: the task's context is a parameter of the run it
    starts (``exchange.lifecycle.run_parameters``), not only of its result file."""
    from hugopipe.exchange.lifecycle import run_parameters

    site = tmp_path / "site"
    site.mkdir()
    for task_type in ("hugo-build", "hugo-deploy-staging"):  # a local build and a publish
        path = write(
            tmp_path,
            SEED_TASK.format(site=site).replace("task_type: hugo-build", f"task_type: {task_type}"),
        )
        request, _ = load_task(path)
        name, params = run_parameters(request, path)
        assert name == ("task" if task_type == "hugo-build" else "publish")
        assert params["context"] == {
            "user_request": "Deploy updated homepage to staging",
            "branch": "claude/update-homepage-xyz",
            "files_changed": ["content/_index.md"],
        }
