"""The dashboard in a real browser: Debian's chromium driven by Playwright for Python (``executable_path``; no
browser download), against the app served by uvicorn on the test warehouse, logged in with the Airflow UI's
cookie (``_token``, a real JWT) as inside the Airflow UI's iframe.

The page must draw its five charts with data (each chart container reports ``data-points``), switch household,
scope and zone, and log no console error, page error or failed request. Screenshots go to
``tests/live/artifacts/dashboard-<timestamp>/`` (``GRIDCARBON_UI_ARTIFACTS`` overrides the parent folder, as for
tests/live/test_ui_browser.py; the last five runs are kept).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Auth
from tests.api.warehouse_data import HOME_FLAT, PENDING_HOURS
from tests.integration.dbt_helpers import household_id

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GRIDCARBON_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("GRIDCARBON_UI_ARTIFACTS", str(REPO / "tests" / "live" / "artifacts")))
CHARTS = ("chart-intensity", "chart-daily-band", "chart-ev-share", "chart-monthly", "chart-heatmap")
TIMEOUT_MS = 60_000
KEEP_RUNS = 5


def _missing(message: str) -> None:
    """Fail under CI (CI=true), skip with the reason elsewhere: never a silent skip."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def artifact_folder() -> Path:
    folder = ARTIFACTS / f"dashboard-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    folder.mkdir(parents=True, exist_ok=True)
    earlier = sorted(p for p in ARTIFACTS.iterdir() if p.is_dir() and re.fullmatch(r"dashboard-\d{8}T\d{6}Z", p.name))
    for old in earlier[:-KEEP_RUNS]:
        shutil.rmtree(old, ignore_errors=True)
    return folder


@pytest.fixture(scope="module")
def browser_page(served_app: str, auth: Auth) -> Iterator[tuple[Any, list[str], Path]]:
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _missing(f"playwright is not installed ({exc}): run `make venv`")
        raise
    folder = artifact_folder()
    problems: list[str] = []
    user_data = Path(tempfile.mkdtemp(prefix="gridcarbon-chromium-"))
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(user_data), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900}, timezone_id="Europe/Berlin", locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies([{"name": "_token", "value": auth.admin_token, "url": served_app}])
        context.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}")
                   if m.type in ("error", "warning") else None)
        context.on("weberror", lambda e: problems.append(f"page error: {e.error}"))
        context.on("requestfailed", lambda r: problems.append(f"request failed: {r.method} {r.url} {r.failure}"))
        context.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.request.method} {r.url}")
                   if r.status >= 400 else None)
        try:
            page = context.pages[0] if context.pages else context.new_page()
            yield page, problems, folder
        finally:
            context.close()
            shutil.rmtree(user_data, ignore_errors=True)


def chart_points(page: Any) -> dict[str, int]:
    page.wait_for_function("document.body.dataset.ready !== undefined", timeout=TIMEOUT_MS)
    assert page.evaluate("document.body.dataset.ready") == "true", page.locator("#status").inner_text()
    return {chart: int(page.get_attribute(f"#{chart}", "data-points") or 0) for chart in CHARTS}


def settle(page: Any) -> None:
    """Wait until the loads started by the last control change are drawn."""
    page.wait_for_function("document.body.dataset.busy === '0'", timeout=TIMEOUT_MS)
    assert page.locator("#status").inner_text() == ""


def test_the_dashboard_draws_every_chart_with_data(served_app: str, browser_page: tuple[Any, list[str], Path]
                                                   ) -> None:
    page, problems, folder = browser_page
    page.goto(f"{served_app}/dashboard", wait_until="load")
    points = chart_points(page)
    page.screenshot(path=str(folder / "01-dashboard-ev-household.png"), full_page=True)
    print(f"\ndashboard screenshots in {folder}; points per chart {points}")
    assert all(n > 0 for n in points.values()), points
    for chart in CHARTS:
        assert page.locator(f"#{chart} svg .mark-rect, #{chart} svg .mark-line, #{chart} svg .mark-area"
                            ).count() > 0, chart
    # the heat map: 28 local days x 24 hours of DE before the newest interval
    assert points["chart-heatmap"] == 28 * 24
    # every hour a grey cell, the final ones (all but the PENDING_HOURS) coloured on top
    assert page.locator("#chart-heatmap svg .mark-rect.role-mark path").count() == 2 * 28 * 24 - PENDING_HOURS
    assert "EV" in page.locator("#household-meta").inner_text()
    assert problems == []


def test_the_dashboard_follows_its_controls(served_app: str, browser_page: tuple[Any, list[str], Path]) -> None:
    page, problems, folder = browser_page
    if not page.url.endswith("/dashboard"):
        page.goto(f"{served_app}/dashboard", wait_until="load")
        chart_points(page)
    page.select_option("#household", household_id(HOME_FLAT))
    settle(page)
    assert "no EV" in page.locator("#household-meta").inner_text()
    page.select_option("#scope", "direct")
    page.select_option("#zone", "TransnetBW")
    settle(page)
    assert page.locator("#heatmap-caption").inner_text().startswith("TransnetBW")
    assert "direct" in page.locator("#heatmap-caption").inner_text()
    page.screenshot(path=str(folder / "02-dashboard-flat-household-transnetbw-direct.png"), full_page=True)
    # the flat has no EV: its EV part is zero every day
    assert page.locator("#chart-ev-share svg .mark-rect path").count() > 0
    assert problems == []
