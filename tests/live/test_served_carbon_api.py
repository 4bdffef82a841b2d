"""The carbon API and dashboard as users get them: served by the running Airflow API server of the live stack
(tests/live/conftest.py), through the plugin in ``plugins/``, reading the stack's warehouse as ``bi_reader``.

1. With a token from ``POST /auth/token``: what ``curl`` gets for DE's latest hour, and what Home Assistant's
   ``aioelectricitymaps`` client reads as DE's latest intensity and history, equal the numbers in
   ``marts.fct_grid_carbon_intensity``; without a token: 401.
2. In Debian's chromium: after logging in, the UI's navigation shows *Carbon dashboard*, which opens the page
   inside the UI and draws the DE heat map from the same marts. Screenshots go next to the UI test's.

The marts come from the scheduler's own runs. This module is named to run after test_scheduler.py (which
unpauses the ingest DAGs and transform_warehouse); run alone, it unpauses ``smard_ingest`` and
``transform_warehouse`` itself and waits for DE's first final hour (restoring the pause state afterwards).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import requests

from tests.live.conftest import LiveAirflow

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GRIDCARBON_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("GRIDCARBON_UI_ARTIFACTS", str(Path(__file__).parent / "artifacts")))
PIPELINE_DAGS = ("smard_ingest", "transform_warehouse")
PIPELINE_TIMEOUT = 25 * 60   # scheduled SMARD runs, then a dbt build on 2 shared cores
UI_TIMEOUT_MS = 120_000


def _missing(message: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _mart_rows(live: LiveAirflow, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(host=live.env["PGHOST"], port=live.env["PGPORT"],
                            user=os.environ.get("PGUSER", "postgres"), dbname=live.warehouse_db)
    try:
        with conn.cursor() as cur:
            cur.execute("select to_regclass('marts.fct_grid_carbon_intensity')")
            if cur.fetchone()[0] is None:
                return []
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


def _de_final_hours(live: LiveAirflow) -> list[tuple[datetime, Decimal]]:
    return _mart_rows(live, """
        select interval_start_utc, average_intensity_g_per_kwh from marts.fct_grid_carbon_intensity
        where region = 'DE' and scope = 'lifecycle' and resolution = 'PT1H' and status = 'OK'
        order by interval_start_utc""")


@pytest.fixture(scope="module")
def de_in_the_marts(live_airflow: LiveAirflow) -> list[tuple[datetime, Decimal]]:
    """DE's final hours in the stack's marts, from the scheduler's runs (driven here when none exist yet)."""
    live = live_airflow
    hours = _de_final_hours(live)
    if hours:
        return hours
    paused = {d: live.api_json("GET", f"/api/v2/dags/{d}")["is_paused"] for d in PIPELINE_DAGS}
    for dag_id in PIPELINE_DAGS:
        live.api_json("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
    began = time.monotonic()
    print(f"no final DE hour in the marts yet: unpaused {', '.join(PIPELINE_DAGS)}", flush=True)
    try:
        while not (hours := _de_final_hours(live)):
            if time.monotonic() - began > PIPELINE_TIMEOUT:
                live.print_log_tails(60)
                statuses = _mart_rows(live, "select region, status, count(*) from marts.fct_grid_carbon_intensity "
                                            "group by 1, 2 order by 1, 2")
                pytest.fail(f"no final DE hour in marts.fct_grid_carbon_intensity after {PIPELINE_TIMEOUT} s "
                            f"(statuses {statuses})", pytrace=False)
            time.sleep(15)
    finally:
        for dag_id, was_paused in paused.items():
            if was_paused:
                live.api_json("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": True})
    print(f"DE's first final hour reached the marts {time.monotonic() - began:.0f} s later", flush=True)
    return hours


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_curl_and_home_assistants_client_read_the_marts_through_airflow(
        live_airflow: LiveAirflow, de_in_the_marts: list[tuple[datetime, Decimal]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from aioelectricitymaps import ElectricityMaps, ZoneRequest, const

    live = live_airflow
    base = f"{live.base_url}/gridcarbon"
    token = requests.post(f"{live.base_url}/auth/token", timeout=30,
                          json={"username": live.username, "password": live.password}).json()["access_token"]
    # what the README's curl does
    latest = requests.get(f"{base}/v3/carbon-intensity/latest", params={"zone": "DE"}, timeout=60,
                          headers={"Authorization": f"Bearer {token}"})
    assert latest.status_code == 200, latest.text
    newest, value = de_in_the_marts[-1]
    body = latest.json()
    assert body["datetime"] == newest.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert body["carbonIntensityExact"] == pytest.approx(float(value))
    assert body["carbonIntensity"] == _half_up(value)
    anonymous = requests.get(f"{base}/v3/carbon-intensity/latest", params={"zone": "DE"}, timeout=60)
    assert anonymous.status_code == 401, anonymous.text
    assert live.api_json("GET", "/api/v2/plugins/importErrors")["total_entries"] == 0

    for name, url in vars(const.ApiEndpoints).items():
        if isinstance(url, str) and url.startswith(const.API_BASE_URL):
            monkeypatch.setattr(const.ApiEndpoints, name, f"{base}/v3" + url[len(const.API_BASE_URL):])

    async def read() -> tuple[Any, Any]:
        async with ElectricityMaps(token=token) as client:
            return (await client.latest_carbon_intensity(ZoneRequest("DE")),
                    await client.carbon_intensity_history(ZoneRequest("DE")))

    client_latest, client_history = asyncio.run(read())
    hours = dict(_de_final_hours(live))  # the same or newer than de_in_the_marts: transform may have run again
    newest = max(hours)
    assert client_latest.timestamp == newest and client_latest.carbon_intensity == _half_up(hours[newest])
    newest_any = _mart_rows(live, "select max(interval_end_utc) from marts.fct_grid_carbon_intensity "
                                  "where region = 'DE' and scope = 'lifecycle' and resolution = 'PT1H'")[0][0]
    expected = [(t, _half_up(v)) for t, v in sorted(hours.items()) if t >= newest_any - timedelta(hours=24)]
    assert [(h.timestamp, h.carbon_intensity) for h in client_history.history] == expected
    print(f"through Airflow: DE latest {body['datetime']} = {body['carbonIntensity']} g/kWh (mart "
          f"{value}); the client read {len(expected)} history hours", flush=True)


@pytest.fixture(scope="module")
def browser(live_airflow: LiveAirflow) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} is missing: run `make browser`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _missing(f"playwright is not installed ({exc}): run `make venv`")
        raise
    user_data = Path(tempfile.mkdtemp(prefix="gridcarbon-chromium-"))
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(user_data), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000}, timezone_id="Europe/Berlin", locale="en-US")
        context.set_default_timeout(UI_TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(user_data, ignore_errors=True)


def test_the_dashboard_opens_from_the_airflow_navigation(live_airflow: LiveAirflow, browser: Any,
                                                         de_in_the_marts: list[tuple[datetime, Decimal]]) -> None:
    from playwright.sync_api import expect

    live = live_airflow
    folder = ARTIFACTS / f"dashboard-live-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    folder.mkdir(parents=True, exist_ok=True)
    for old in sorted(p for p in ARTIFACTS.iterdir() if re.fullmatch(r"dashboard-live-\d{8}T\d{6}Z", p.name))[:-5]:
        shutil.rmtree(old, ignore_errors=True)
    problems: list[str] = []
    browser.on("console", lambda m: problems.append(f"console.{m.type}: {m.text} ({m.location.get('url')})")
               if m.type == "error" else None)
    browser.on("weberror", lambda e: problems.append(f"page error: {e.error}"))
    browser.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.request.method} {r.url}")
               if r.status >= 400 else None)
    page = browser.pages[0] if browser.pages else browser.new_page()
    try:
        page.goto(live.base_url + "/", timeout=UI_TIMEOUT_MS)
        page.wait_for_url("**/auth/login**", timeout=UI_TIMEOUT_MS)
        page.get_by_label("Username").fill(live.username)
        page.get_by_label("Password").fill(live.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/auth/login" not in url, timeout=UI_TIMEOUT_MS)
        expect(page.get_by_role("button", name="User")).to_be_visible()
        print(f"before and during the login (the UI asks before it has a session): {problems}", flush=True)
        problems.clear()
        link = page.get_by_role("link", name="Carbon dashboard")
        expect(link.first).to_be_visible()
        link.first.click()
        page.wait_for_url("**/plugin/gridcarbon-dashboard", timeout=UI_TIMEOUT_MS)
        frame = page.frame_locator("iframe").first
        expect(frame.locator("body[data-ready='true']")).to_have_count(1, timeout=UI_TIMEOUT_MS)
        expect(frame.locator("#chart-heatmap[data-rendered='true'] svg")).to_have_count(1)
        points = int(frame.locator("#chart-heatmap").get_attribute("data-points") or 0)
        page.screenshot(path=str(folder / "01-carbon-dashboard-in-airflow.png"), full_page=True)
        assert frame.locator("#status").inner_text() == ""
    except Exception:
        page.screenshot(path=str(folder / "01-carbon-dashboard-in-airflow-FAILED.png"), full_page=True)
        print(f"screenshot in {folder}; console: {problems}", flush=True)
        raise
    print(f"Carbon dashboard in the Airflow UI: heat map with {points} cells; screenshot in {folder}", flush=True)
    assert points >= 1  # DE hours of the stack's marts (the last 28 days of data)
    assert problems == [], problems
