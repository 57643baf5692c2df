"""The precision corpus: small real-world-shaped Hugo sites, each with the exact findings expected.

Each case is a folder ``tests/validate/corpus/<case>/`` (format: ``corpus/README.md``): a Hugo
site in ``site/``, built here with the pinned Hugo, and ``expected.json``. The validator must
report every expected finding and nothing else: no other error, and no other warning either,
so a rule that grows noisy on a real site shape fails here before it reaches a user.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from hugopipe.build import build_site
from hugopipe.validate import validate_public, validate_site
from hugopipe.validate.findings import Finding, ValidationReport

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.json").is_file())


def _key(f: Finding | dict[str, Any]) -> tuple[str, str, str]:
    if isinstance(f, Finding):
        return (f.rule, "accepted" if f.accepted else f.severity, f.file)
    return (f["rule"], f["severity"], f["file"])


def compare(expected: Iterable[dict[str, Any]], actual: Iterable[Finding]) -> list[str]:
    """What differs between the expected findings and the reported ones (empty: equal).

    Each expected finding consumes one reported finding with the same rule, severity
    (``accepted`` for one the baseline or an ``[[validate.accept]]`` accepted) and file,
    and the same line when the expected one names a line; whatever is left over on
    either side is a difference. Duplicates count.
    """
    left = list(actual)
    problems: list[str] = []
    for e in expected:
        for i, f in enumerate(left):
            if _key(f) == _key(e) and ("line" not in e or e["line"] == f.line):
                del left[i]
                break
        else:
            problems.append(f"missing: {json.dumps(e, sort_keys=True)}")
    for f in left:
        problems.append(f"unexpected: {_key(f)} line={f.line} url={f.url!r}: {f.message}")
    return problems


def run_case(case: Path, tmp: Path) -> tuple[dict[str, Any], ValidationReport]:
    spec = json.loads((case / "expected.json").read_text("utf-8"))
    tmp.mkdir(parents=True, exist_ok=True)
    site = tmp / "site"
    shutil.copytree(case / "site", site)
    env = spec.get("env", "production")
    build = build_site(site, env, destination=tmp / "public")
    assert build.success, build.errors
    public = Path(build.public_dir)
    if spec.get("mode", "site") == "public":
        # the output alone, as `hugopipe validate --public DIR` sees a folder built elsewhere
        report = validate_public(
            public,
            base_url=spec.get("base_url"),
            env=env,
            production=spec.get("production", env == "production"),
            config=spec.get("validate", {}),
            jobs=1,
        )
    else:
        report = validate_site(site, public, env, jobs=1)
    return spec, report


@pytest.mark.parametrize("case", CASES)
def test_case_reports_exactly_the_expected_findings(case: str, tmp_path: Path) -> None:
    spec, report = run_case(CORPUS / case, tmp_path)
    problems = compare(spec["findings"], report.findings)
    assert not problems, "\n".join(problems) + "\n\n" + report.to_text()
    if "base_url" in spec.get("report", {}):
        assert report.base_url == spec["report"]["base_url"]
    if "base_url_from" in spec.get("report", {}):
        assert report.base_url_from == spec["report"]["base_url_from"]
    for needle in spec.get("report", {}).get("notices", []):
        assert any(needle in n for n in report.notices), report.notices


def test_compare_counts_both_sides() -> None:
    """The runner itself: a missing finding, a surplus one and a wrong line all show."""
    f = Finding.of("E1", "a/index.html", "leak", line=3)
    assert compare([{"rule": "E1", "severity": "error", "file": "a/index.html"}], [f]) == []
    assert compare([], [f])[0].startswith("unexpected")
    assert compare([{"rule": "E1", "severity": "error", "file": "a/index.html", "line": 4}], [f])
    two = [{"rule": "E1", "severity": "error", "file": "a/index.html"}] * 2
    assert compare(two, [f])[0].startswith("missing")


def test_every_case_folder_is_complete() -> None:
    assert CASES, "no corpus cases found"
    for name in CASES:
        case = CORPUS / name
        assert (case / "site").is_dir(), f"{case}: no site/ folder"
        spec = json.loads((case / "expected.json").read_text("utf-8"))
        assert isinstance(spec.get("findings"), list), f"{case}/expected.json: no findings list"
        for f in spec["findings"]:
            assert {"rule", "severity", "file"} <= f.keys(), f"{case}/expected.json: {f}"


def test_severity_overrides_are_what_changes_that_case(tmp_path: Path) -> None:
    """Without its [validate.severity] tables the same site reports what they re-level."""
    case = tmp_path / "case"
    shutil.copytree(CORPUS / "severity-overrides", case)
    toml = case / "site" / "hugopipe.toml"
    text = toml.read_text("utf-8")
    toml.write_text(text[: text.index("[validate.severity]")], "utf-8")
    _, report = run_case(case, tmp_path / "run")
    found = sorted((f.rule, f.severity, f.file) for f in report.findings)
    assert found == [
        ("L3", "warning", "index.html"),
        ("S2", "warning", "index.html"),
        ("S4", "warning", "index.html"),
    ], report.to_text()
