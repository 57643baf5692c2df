"""A person answers a decision card and a staging approval card in Prefect's new UI.

Real browser (Debian chromium + Playwright, headless, phone size), the served publish
flow, this package's Prefect server. The staging site asks about every change and
about validation warnings (``ask_about_warnings = "always"``, a title limit every page
exceeds), so one publish shows the warnings card first, then the approval card; the
person accepts the warnings, approves, and the next publish asks nothing.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import httpx
import pytest

from tests.lifecycle.conftest import Life, life_site
from tests.support import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _waiting_for(life: Life, run_id: str) -> str | None:
    """The key of the question the run waits on (its input schema key), or None."""
    state = life.run(run_id)["state"]
    if state["type"] != "PAUSED":
        return None
    keyset = (state.get("state_details") or {}).get("run_input_keyset") or {}
    return keyset.get("schema")


def _answer(page, link: str, option: str) -> None:
    """Open the run, menu ⋮ → Resume, pick ``option`` in the form's select, Resume."""
    from playwright.sync_api import expect

    page.goto(link)
    page.get_by_role("button", name="Open menu").first.click()
    page.get_by_role("menuitem", name="Resume").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    # the schema form renders an enum as a searchable list behind a button "Select <title>"
    dialog.get_by_role("button", name=re.compile(r"^Select ")).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    dialog.get_by_role("button", name="Resume").click()


def test_a_decision_card_and_a_staging_card_are_answered_in_the_ui(
    life: Life, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is required (scripts/test.sh installs it)"
    site = life_site(
        tmp_path, 'approve_automatically_up_to_pages = 0\nask_about_warnings = "always"'
    )
    with (site / "hugopipe.toml").open("a") as fh:
        fh.write("\n[validate]\ntitle_max = 12\n")  # every page's title: a warning, no error
    life.start_serve(site)
    try:
        proc = life.cli(
            "run", "publish", "--env", "staging", "--site", str(site), "--json", "--wait",
            "--timeout", "300",
        )  # fmt: skip
        run = json.loads(proc.stdout)
        assert proc.returncode == 5, (proc.stderr, run)
        run_id, link = run["flow_run_id"], run["ui_url"]
        schema_key = _waiting_for(life, run_id) or ""
        assert "decision-warnings-" in schema_key  # keyed by the plan it was asked about
        description = httpx.get(
            f"{life.api}/flow_runs/{run_id}/input/{schema_key.removesuffix('-schema')}-description"
        ).json()
        assert "warning(s) and no errors" in description and "title is" in description

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 390, "height": 844})
            try:
                _answer(page, link, "accept")
                wait_until(
                    lambda: "approval" in (_waiting_for(life, run_id) or ""),
                    240,
                    "the run to come back to the approval card",
                )
                _answer(page, link, "approve")
                assert (
                    life.wait_state(run_id, {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})
                    == "COMPLETED"
                )
            except Exception:
                page.screenshot(path=str(tmp_path / "cards-failure.png"), full_page=True)
                raise
            finally:
                browser.close()

        baseline = json.loads((site / "validation-baseline.json").read_text())
        assert len(baseline["entries"]) > 0  # the accepted warnings, in the site
        assert life.s3.get_object(Bucket="hugopipe-life-staging", Key="index.html")  # type: ignore[attr-defined]

        # the same warnings do not ask again, and nothing changed: nothing else asks either
        again = life.cli(
            "run", "publish", "--env", "staging", "--site", str(site), "--json", "--wait",
            "--timeout", "300",
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
    finally:
        life.stop_serve()
