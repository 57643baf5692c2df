"""A person approves production in Prefect's new UI, in a real browser (Debian chromium + Playwright).

This is the only way production is meant to be approved, so it is tested the
way a person does it: open the /v2 link the CLI prints, menu ⋮ → Resume, type
the phrase. A wrong phrase is refused by the server and nothing is deployed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from tests.support import publish, wait_until

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


def _state(api: str, run_id: str) -> str:
    return httpx.get(f"{api}/flow_runs/{run_id}").json()["state"]["type"]


def _object(s3, key: str) -> bytes | None:
    """The object's bytes as a browser sees them (the site's matchers gzip HTML)."""
    import gzip

    try:
        obj = s3.get_object(Bucket="hugopipe-example-production", Key=key)
    except s3.exceptions.NoSuchKey:
        return None
    body = obj["Body"].read()
    return gzip.decompress(body) if obj.get("ContentEncoding") == "gzip" else body


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["laptop", "phone"],  # the user approves from a phone
)
def test_human_approves_production_in_the_v2_ui(
    served: dict, tmp_path: Path, viewport: dict
) -> None:
    from playwright.sync_api import expect, sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is required (scripts/test.sh installs it)"
    api, s3 = served["api"], served["s3"]
    page_md = served["site"] / "content" / "privacy.md"
    marker = f"Approved through the browser test at {viewport['width']} px."
    page_md.write_text(page_md.read_text() + f"\n{marker}\n")

    code, run = publish(served["site"], "production")
    assert code == 5, run  # paused for approval
    run_id, link = run["flow_run_id"], run["ui_url"]
    assert "/v2/runs/flow-run/" in link
    before = _object(s3, "privacy/index.html")
    assert before is None or marker.encode() not in before

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport=viewport)
        try:
            page.goto(link)
            page.get_by_role("button", name="Open menu").first.click()
            page.get_by_role("menuitem", name="Resume").click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_text("Deploy plan for")).to_be_visible()  # the plan is in the form
            field = dialog.get_by_label("Type DEPLOY TO PRODUCTION to approve")

            field.fill("deploy to production")
            dialog.get_by_role("button", name="Resume").click()
            expect(page.get_by_text("DEPLOY TO PRODUCTION' was expected").first).to_be_visible(
                timeout=15000
            )
            assert _state(api, run_id) == "PAUSED"
            assert _object(s3, "privacy/index.html") == before

            # A SQLite-backed server can answer a busy-database 500 to the click; the UI then shows
            # an error toast and the run stays paused, and a person simply presses Resume again.
            for _attempt in range(3):
                if not dialog.is_visible():
                    page.get_by_role("button", name="Open menu").first.click()
                    page.get_by_role("menuitem", name="Resume").click()
                field.fill("DEPLOY TO PRODUCTION")
                dialog.get_by_role("button", name="Resume").click()
                try:
                    wait_until(
                        lambda: _state(api, run_id) != "PAUSED", 30, "the run to leave Paused"
                    )
                    break
                except AssertionError:
                    continue
            wait_until(
                lambda: _state(api, run_id) in {"COMPLETED", "FAILED", "CRASHED"},
                240,
                "the approved run to finish",
            )
        except Exception:
            page.screenshot(path=str(tmp_path / "approval-failure.png"), full_page=True)
            raise
        finally:
            browser.close()

    assert _state(api, run_id) == "COMPLETED"
    assert marker.encode() in (_object(s3, "privacy/index.html") or b"")
