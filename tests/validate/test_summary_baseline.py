"""The report a person reads (grouped, errors first, one screen) and the baseline file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hugopipe.errors import ConfigError
from hugopipe.validate import baseline
from hugopipe.validate.findings import Finding, TemplateRef, ValidationReport
from tests.support import hugopipe
from tests.validate.fixtures import Out

SCREEN = 50  # lines


@pytest.fixture
def noisy(out: Out) -> Out:
    """300 pages without description or canonical (600 warnings) and two broken links."""
    for i in range(300):
        out.pages.append(f"/n/{i}/")
        out.write(
            f"n/{i}/index.html",
            f'<!doctype html><html lang="en"><head><title>Page number {i} here</title></head>'
            f"<body><p>Body {i}</p></body></html>",
        )
    out.refresh_sitemap()
    out.add_page("/broken/", body='<a href="/gone/">x</a> <a href="/gone2/">y</a>')
    return out


def test_summary_fits_one_screen_errors_first(noisy: Out) -> None:
    report = noisy.validate()
    assert len(report.warnings) >= 600 and len(report.errors) == 2
    text = report.to_summary()
    lines = text.splitlines()
    assert len(lines) <= SCREEN, text
    assert max(len(line) for line in lines) <= 200
    assert text.index("ERRORS (2)") < text.index("WARNINGS (")
    assert "L1" in text and "/gone/" in text and "/gone2/" in text  # both errors named
    assert "S4    300 ×" in text and "S7    300 ×" in text and "… 299 more" in text
    assert lines[-1].startswith("FAILED: 2 error(s), 600 warning(s)")
    assert len(report.to_text().splitlines()) > 600  # --all: every finding


def _f(rule: str, file: str, severity: str = "warning") -> Finding:
    f = Finding.of(rule, file, "m")
    f.severity = severity  # type: ignore[assignment]
    return f


def test_accept_writes_a_readable_file_and_load_reads_it(tmp_path: Path) -> None:
    path = baseline.accept(
        tmp_path, [_f("S4", "a/index.html"), _f("S7", "a/index.html")], note="legacy", by="ana"
    )
    assert path == tmp_path / "validation-baseline.json"
    data = json.loads(path.read_text())
    assert data["version"] == 1
    assert [(e["rule"], e["file"], e["note"], e["by"]) for e in data["entries"]] == [
        ("S4", "a/index.html", "legacy", "ana"),
        ("S7", "a/index.html", "legacy", "ana"),
    ]
    assert all(e["added"] for e in data["entries"])
    # again, plus one new: the known ones are kept as they were, no duplicates
    baseline.accept(tmp_path, [_f("S4", "a/index.html"), _f("S4", "b/index.html")], note="other")
    b = baseline.load(tmp_path)
    assert sorted((e.rule, e.file, e.note) for e in b.entries) == [
        ("S4", "a/index.html", "legacy"),
        ("S4", "b/index.html", "other"),
        ("S7", "a/index.html", "legacy"),
    ]
    assert not list(tmp_path.glob(".validation-baseline.json.*"))  # no temporary left over


def test_summary_names_the_layout_and_clips_hints() -> None:
    """A rule every page has points at its layout once; hints fit 100 columns; the base
    URL line is said once."""
    made = TemplateRef(path="layouts/_default/baseof.html", line=12, pages=40)
    findings = [Finding.of("L1", f"p{i}/index.html", "m", url="/x/") for i in range(40)]
    for f in findings:
        f.template = made
    findings.append(Finding.of("S4", "a/index.html", "no description"))
    report = ValidationReport(
        base_url="https://example.org/", base_url_from="sitemap.xml", findings=findings
    )
    lines = report.to_summary().splitlines()
    tpl = [line for line in lines if "template:" in line]
    assert tpl == ["          template: layouts/_default/baseof.html:12 (40 pages)"]
    assert lines.index(tpl[0]) < lines.index(next(x for x in lines if x.startswith("WARNINGS")))
    hints = [line for line in lines if line.lstrip().startswith("hint:")]
    assert hints and all(len(line) <= 100 for line in hints)
    assert sum("base URL https://example.org/ (from sitemap.xml)" in x for x in lines) == 1


def test_baseline_accepts_by_rule_and_page(tmp_path: Path) -> None:
    baseline.accept(tmp_path, [_f("S4", "a/index.html")], note="known")
    found = [_f("S4", "a/index.html"), _f("S4", "b/index.html"), _f("S7", "a/index.html")]
    assert baseline.load(tmp_path).apply(found) == 1
    assert [(f.rule, f.file, f.accepted) for f in found] == [
        ("S4", "a/index.html", True),
        ("S4", "b/index.html", False),
        ("S7", "a/index.html", False),
    ]
    assert found[0].accepted_reason == "baseline: known"


def test_baseline_never_accepts_an_error(tmp_path: Path) -> None:
    """A hand-written E1 entry quiets the staging warning, never the production error."""
    (tmp_path / "validation-baseline.json").write_text(
        '{"version": 1, "entries": [{"rule": "E1", "file": "a/index.html", "note": "hand"}]}'
    )
    base = baseline.load(tmp_path)
    prod, staging = _f("E1", "a/index.html", "error"), _f("E1", "a/index.html", "warning")
    assert base.apply([prod, staging]) == 1
    assert (prod.accepted, staging.accepted) == (False, True)
    assert base.match(prod) is None and base.match(staging) is not None


def test_accept_skips_errors(tmp_path: Path) -> None:
    baseline.accept(tmp_path, [_f("E1", "a/index.html", "error"), _f("S4", "a/index.html")])
    assert [(e.rule, e.file) for e in baseline.load(tmp_path).entries] == [("S4", "a/index.html")]


def test_an_unknown_rule_in_the_baseline_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "validation-baseline.json"
    path.write_text(
        '{\n"version": 1,\n"entries": [\n  {"rule": "S4", "file": "a"},\n'
        '  {"rule": "Q9", "file": "b"}\n]}'
    )
    with pytest.raises(ConfigError) as exc:
        baseline.load(tmp_path)
    assert (exc.value.file, exc.value.line) == (str(path), 5)
    assert "entry 2" in exc.value.message and "'Q9'" in exc.value.message


def test_no_baseline_file_is_an_empty_baseline(tmp_path: Path) -> None:
    assert baseline.load(tmp_path).entries == []


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            '{\n"version": 1,\n"entries": [\n  {"rule": "S4", "file": "a"},\n  {"rule": "S4" "file": "b"}\n]}',
            5,
            "not valid JSON",
        ),
        (
            '{\n"version": 1,\n"entries": [\n  {"rule": "S4", "file": "a"},\n  {"rule": "S4"}\n]}',
            5,
            "entry 2",
        ),
        ('{\n"version": 7,\n"entries": []}', 2, "version 7"),
        ("[]", 1, "'entries' list"),
    ],
)
def test_a_malformed_baseline_is_a_clear_error(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    (tmp_path / "validation-baseline.json").write_text(text)
    with pytest.raises(ConfigError) as exc:
        baseline.load(tmp_path)
    assert exc.value.line == line and words in exc.value.message
    assert exc.value.file == str(tmp_path / "validation-baseline.json")


@pytest.mark.slow
def test_cli_accept_warnings_then_they_stop_asking(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(Path(__file__).parent / "corpus" / "severity-overrides" / "site", site)
    toml = site / "hugopipe.toml"
    toml.write_text(toml.read_text()[: toml.read_text().index("[validate.severity]")])
    first = hugopipe("validate", "--site", str(site), "--env", "production", "--json")
    assert first.returncode == 0, first.stderr
    warned = [f for f in json.loads(first.stdout)["findings"] if f["severity"] == "warning"]
    assert len(warned) == 3
    acc = hugopipe(
        "validate",
        "--site",
        str(site),
        "--env",
        "production",
        "--accept-warnings",
        "--note",
        "old home page",
    )
    assert acc.returncode == 0 and "validation-baseline.json" in acc.stderr
    entries = json.loads((site / "validation-baseline.json").read_text())["entries"]
    assert {(e["rule"], e["file"], e["note"]) for e in entries} == {
        (f["rule"], f["file"], "old home page") for f in warned
    }
    again = hugopipe("validate", "--site", str(site), "--env", "production", "--json")
    data = json.loads(again.stdout)
    assert data["suppressed"] == 3 and all(f["accepted"] for f in data["findings"])
    text = hugopipe("validate", "--site", str(site), "--env", "production")
    assert "0 warning(s), 3 accepted, 3 suppressed by the baseline" in text.stdout
    (site / "validation-baseline.json").write_text("{oops")
    bad = hugopipe("validate", "--site", str(site), "--env", "production")
    assert bad.returncode == 2 and "validation-baseline.json:1:" in bad.stderr


def test_cli_public_without_base_url_says_where_it_came_from(noisy: Out, tmp_path: Path) -> None:
    proc = hugopipe("validate", "--public", str(noisy.root), "--json", cwd=tmp_path)
    data = json.loads(proc.stdout)
    assert (data["base_url"], data["base_url_from"]) == (noisy.base, "sitemap.xml")
    assert f"base URL {noisy.base} (from sitemap.xml" in proc.stderr
    # nothing "not on" an empty host, nothing "not in the sitemap"
    assert not {f["rule"] for f in data["findings"]} & {"E3", "M3"}
    text = hugopipe("validate", "--public", str(noisy.root), cwd=tmp_path)
    assert text.returncode == 1 and len(text.stdout.splitlines()) <= SCREEN
    said = (text.stdout + text.stderr).count(f"base URL {noisy.base} (from sitemap.xml")
    assert said == 1, text.stdout + text.stderr  # the summary says it; stderr does not repeat it
    assert text.stdout.index("ERRORS") < text.stdout.index("WARNINGS")
