"""The Airflow UI in a real browser, as a user takes it: Debian's chromium driven by Playwright for Python
(``executable_path``; Playwright's own browser download is never used), against the live stack of
``tests/live/conftest.py`` (api-server, scheduler, dag-processor, triggerer; replay server behind every source).

In order: log in through the simple auth manager's form; the DAG list shows every DAG of ``dags/`` (ids from a
DagBag) and no import-error banner (and ``/api/v2/importErrors`` is empty); *Browse -> dbt Docs (gridcarbon)*
opens Cosmos' docs view on the published site; the backfill dialog of ``isone_ingest`` creates a backfill of
three daily intervals, whose runs the scheduler runs to success.

One screenshot per step goes to ``tests/live/artifacts/<timestamp>/`` (``GRIDCARBON_UI_ARTIFACTS`` overrides the
folder; the last five runs are kept); on failure also the page's accessibility snapshot and its console errors,
failed requests and uncaught exceptions, with the paths printed. ``GRIDCARBON_CHROMIUM`` overrides ``/usr/bin/chromium``
(``make browser`` installs it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.live.conftest import LiveAirflow

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GRIDCARBON_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("GRIDCARBON_UI_ARTIFACTS", str(Path(__file__).parent / "artifacts")))
UI_TIMEOUT_MS = 120_000         # one UI element or navigation (the API server shares 2 cores with the stack)
DOCS_TIMEOUT = 15 * 60          # `dbt docs generate` when no site has been published yet
BACKFILL_TIMEOUT = 20 * 60      # three isone runs one after another, with room for one task retry (2 min)
BACKFILL_DAG = "isone_ingest"   # left to this test by test_scheduler.py; daily at 05:30 UTC ("30 5 * * *")
DOCS_MENU_ITEM = "dbt Docs (gridcarbon)"
KEEP_RUNS = 5                   # artefact folders of older runs are pruned


def _missing(message: str) -> None:
    """Fail under CI (CI=true), skip with the reason elsewhere: never a silent skip."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _import_error_label() -> re.Pattern[str]:
    """The UI's own words for its import-error banner ("Dag Import Error(s)"), read from the installed
    Airflow UI's English locale, so the absence check looks for the text the UI would really render."""
    import airflow

    locale = Path(airflow.__file__).parent / "ui" / "dist" / "i18n" / "locales" / "en" / "dashboard.json"
    labels = json.loads(locale.read_text())["importErrors"]
    words = sorted({labels["dagImportError_one"], labels["dagImportError_other"]}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


@dataclass
class BrowserUI:
    """One chromium, one context (cookies shared by the steps), the page under test and what it reported."""

    live: LiveAirflow
    page: Any
    context: Any
    folder: Path
    console: list[str] = field(default_factory=list)
    shots: list[Path] = field(default_factory=list)
    logged_in: bool = False

    def url(self, path: str) -> str:
        return self.live.base_url + path

    def watch(self) -> None:
        """Record console errors/warnings, uncaught exceptions and failed requests of every page (the docs view
        opens in a new tab), from the moment a page exists."""
        def where(page: Any) -> str:
            return "docs" if page is not None and "/cosmos/" in page.url else "ui"

        self.context.on("console", lambda m: self.console.append(f"[{where(m.page)} console.{m.type}] {m.text}")
                        if m.type in ("error", "warning") else None)
        self.context.on("weberror", lambda e: self.console.append(f"[{where(e.page)} pageerror] {e.error}"))
        self.context.on("requestfailed", lambda r: self.console.append(
            f"[requestfailed] {r.method} {r.url} {r.failure}"))
        self.context.on("response", lambda r: self.console.append(
            f"[HTTP {r.status}] {r.request.method} {r.url}") if r.status >= 400 else None)

    def shot(self, name: str, page: Any = None) -> Path:
        from playwright.sync_api import Error as PlaywrightError

        path = self.folder / f"{len(self.shots) + 1:02d}-{name}.png"
        try:
            (page or self.page).screenshot(path=str(path), full_page=True, timeout=30_000)
        except PlaywrightError as exc:  # a screenshot must never hide the failure it documents
            print(f"screenshot {path} failed: {exc}", flush=True)
            return path
        self.shots.append(path)
        return path

    @contextmanager
    def step(self, name: str, page: Any = None) -> Iterator[None]:
        """A screenshot after the step; on failure also the URL, the accessibility snapshot, console errors."""
        from playwright.sync_api import Error as PlaywrightError

        began, started = len(self.console), time.monotonic()
        try:
            yield
        except BaseException:
            target = page or self.page
            path = self.shot(f"{name}-FAILED", target)
            snapshot = self.folder / f"{path.stem}.aria.txt"
            try:
                snapshot.write_text(target.locator("body").aria_snapshot(timeout=10_000))
            except PlaywrightError as exc:
                snapshot.write_text(f"(no accessibility snapshot: {exc})")
            messages = self.console[began:] or ["(none)"]
            (self.folder / f"{path.stem}.console.txt").write_text("\n".join(self.console) + "\n")
            print(f"\nUI step '{name}' failed after {time.monotonic() - started:.1f} s at {target.url}\n"
                  f"  screenshot: {path}\n  accessibility snapshot: {snapshot}\n"
                  "  console, page errors and failed requests during the step:\n    "
                  + "\n    ".join(m[:500] for m in messages[-40:]), flush=True)
            raise
        print(f"UI step '{name}' ({time.monotonic() - started:.1f} s): {self.shot(name, page)}", flush=True)

    def login(self) -> None:
        from playwright.sync_api import expect

        page = self.page
        page.goto(self.url("/"), timeout=UI_TIMEOUT_MS)
        page.wait_for_url("**/auth/login**", timeout=UI_TIMEOUT_MS)
        page.get_by_label("Username").fill(self.live.username)
        page.get_by_label("Password").fill(self.live.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/auth/login" not in url, timeout=UI_TIMEOUT_MS)
        expect(page.get_by_role("button", name="User")).to_be_visible(timeout=UI_TIMEOUT_MS)
        self.logged_in = True


@pytest.fixture(scope="module")
def ui(request: pytest.FixtureRequest) -> Iterator[BrowserUI]:
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium and chromium-driver)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError as exc:
        _missing(f"playwright is not installed ({exc}): run `make venv` (requirements-dev.txt)")
        raise
    expect.set_options(timeout=UI_TIMEOUT_MS)
    live_airflow: LiveAirflow = request.getfixturevalue("live_airflow")  # started only once a browser exists
    folder = ARTIFACTS / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder.mkdir(parents=True, exist_ok=True)
    earlier = sorted(p for p in ARTIFACTS.iterdir() if p.is_dir() and re.fullmatch(r"\d{8}T\d{6}Z", p.name))
    for old in earlier[:-KEEP_RUNS]:
        shutil.rmtree(old, ignore_errors=True)
    user_data = Path(tempfile.mkdtemp(prefix="gridcarbon-chromium-"))
    print(f"\nbrowser test: {CHROMIUM}, screenshots in {folder}", flush=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(user_data), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900}, timezone_id="UTC", locale="en-US")
        context.set_default_timeout(UI_TIMEOUT_MS)
        try:
            page = context.pages[0] if context.pages else context.new_page()
            browser_ui = BrowserUI(live=live_airflow, page=page, context=context, folder=folder)
            browser_ui.watch()
            yield browser_ui
        finally:
            context.close()
            shutil.rmtree(user_data, ignore_errors=True)


@pytest.fixture
def logged_in(ui: BrowserUI) -> BrowserUI:
    if not ui.logged_in:
        with ui.step("login"):
            ui.login()
    return ui


def test_login_form(ui: BrowserUI) -> None:
    """The simple auth manager's form refuses a wrong password, then lets the user in."""
    from playwright.sync_api import expect

    page = ui.page
    with ui.step("login-wrong-password"):
        page.goto(ui.url("/"), timeout=UI_TIMEOUT_MS)
        page.wait_for_url("**/auth/login**", timeout=UI_TIMEOUT_MS)
        expect(page.get_by_role("heading", name="Sign into Airflow")).to_be_visible()
        page.get_by_label("Username").fill(ui.live.username)
        page.get_by_label("Password").fill(ui.live.password + "-wrong")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text(re.compile("invalid|incorrect|unauthori[sz]ed", re.IGNORECASE)).first
               ).to_be_visible()
        assert "/auth/login" in page.url, f"a wrong password left the login page: {page.url}"
    with ui.step("login"):
        ui.login()
        expect(page.get_by_role("link", name="Dags", exact=True).first).to_be_visible()


def test_dag_list_shows_every_dag_without_import_errors(logged_in: BrowserUI) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from playwright.sync_api import expect

    ui = logged_in
    bag = DagBag(dag_folder=str(REPO / "dags"))
    expected = sorted(bag.dag_ids)
    files = sorted(p.stem for p in (REPO / "dags").glob("*.py") if not p.name.startswith("_"))
    assert expected and not bag.import_errors, f"DagBag of dags/: ids {expected}, errors {bag.import_errors}"
    assert len(expected) >= len(files), f"dags/ has files {files} but the DagBag found only {expected}"

    errors = ui.live.api_json("GET", "/api/v2/importErrors")
    assert errors["total_entries"] == 0, f"import errors: {json.dumps(errors['import_errors'])[:3000]}"
    banner = _import_error_label()
    page = ui.page
    with ui.step("home"):
        page.goto(ui.url("/"), timeout=UI_TIMEOUT_MS)
        # The stats row renders once the dashboard's queries answered; an import-error banner sits beside it.
        expect(page.get_by_role("heading", name="Stats")).to_be_visible()
        expect(page.get_by_role("link", name=re.compile(r"Failed Dags$"))).to_be_visible()
        expect(page.get_by_text(banner)).to_have_count(0)
    with ui.step("dag-list"):
        page.get_by_role("link", name="Dags", exact=True).first.click()
        page.wait_for_url("**/dags", timeout=UI_TIMEOUT_MS)
        expect(page.get_by_role("heading", name=f"{len(expected)} Dags", exact=True)).to_be_visible()
        missing = [dag_id for dag_id in expected
                   if page.get_by_role("link", name=dag_id, exact=True).count() != 1]
        assert not missing, f"the DAG list does not show {missing} (expected {expected})"
        for dag_id in expected:
            expect(page.get_by_role("link", name=dag_id, exact=True)).to_be_visible()
        expect(page.get_by_text(banner)).to_have_count(0)
    print(f"DAG list: {len(expected)} DAGs shown ({', '.join(expected)}), no import errors", flush=True)


def _ensure_docs_site(live: LiveAirflow) -> Path:
    """The docs site Cosmos serves: published by transform_warehouse's dbt_docs task (test_scheduler.py's runs)
    or, when absent, generated here once with the stack's environment."""
    docs_dir = Path(live.env["GRIDCARBON_DBT_DOCS_DIR"])
    if not (docs_dir / "index.html").exists():
        began = time.monotonic()
        print(f"no dbt docs in {docs_dir}: `python -m gridcarbon.dbt_runner docs`", flush=True)
        done = subprocess.run([sys.executable, "-m", "gridcarbon.dbt_runner", "docs"], cwd=REPO, env=live.env,
                              capture_output=True, text=True, timeout=DOCS_TIMEOUT, check=False)
        if done.returncode != 0:
            pytest.fail(f"dbt docs generation failed ({done.returncode}):\n{done.stdout[-3000:]}\n"
                        f"{done.stderr[-3000:]}", pytrace=False)
        print(f"dbt docs generated in {time.monotonic() - began:.0f} s", flush=True)
    missing = [name for name in ("index.html", "manifest.json", "catalog.json") if not (docs_dir / name).exists()]
    assert not missing, f"the dbt docs site in {docs_dir} lacks {missing}"
    return docs_dir


def test_dbt_docs_open_from_the_browse_menu(logged_in: BrowserUI) -> None:
    from playwright.sync_api import expect

    ui = logged_in
    docs_dir = _ensure_docs_site(ui.live)
    manifest = json.loads((docs_dir / "manifest.json").read_text())
    project = manifest["metadata"]["project_name"]
    sources = sorted({node["source_name"] for node in manifest["sources"].values()})
    page = ui.page
    with ui.step("browse-menu"):
        page.goto(ui.url("/"), timeout=UI_TIMEOUT_MS)
        page.get_by_role("button", name="Browse").click()
        item = page.get_by_role("menuitem", name=DOCS_MENU_ITEM)
        expect(item).to_be_visible()
        with page.context.expect_page(timeout=UI_TIMEOUT_MS) as opened:
            item.click()
    docs = opened.value
    try:
        with ui.step("dbt-docs", docs):
            docs.wait_for_load_state("load", timeout=UI_TIMEOUT_MS)
            assert docs.url.startswith(ui.live.base_url), f"the docs view left Airflow: {docs.url}"
            # dbt's docs app renders its navigation from manifest.json and catalog.json, fetched by the page.
            expect(docs.get_by_text("Projects", exact=True)).to_be_visible()
            expect(docs.get_by_text(project, exact=True).filter(visible=True).first).to_be_visible()
            expect(docs.get_by_role("textbox", name="Search for models...")).to_be_visible()
            nav = re.sub(r"[\s\u200b]+", "", docs.locator("body").inner_text())
            absent = [name for name in sources if name.replace("_", "") not in nav.replace("_", "")]
            assert not absent, f"dbt docs at {docs.url} do not list the sources {absent} of {docs_dir}"
        docs_url = docs.url
    finally:
        docs.close()
    print(f"dbt docs: {docs_url} shows project {project} and sources {sources}", flush=True)


def _backfill_days() -> list[date]:
    """Three days well before the DAG's catch-up window (GRIDCARBON_CATCHUP_DAYS, default 2), so the dialog
    creates three new runs instead of finding scheduled ones."""
    today = datetime.now(UTC).date()
    return [today - timedelta(days=10 - k) for k in range(3)]


def _describe(live: LiveAirflow, run: dict[str, Any]) -> str:
    tis = live.api_json("GET", f"/api/v2/dags/{BACKFILL_DAG}/dagRuns/{run['dag_run_id']}/taskInstances")
    lines = [f"{run['dag_run_id']}: {run['state']}"]
    for ti in tis["task_instances"]:
        lines.append(f"  {ti['task_id']}[{ti['map_index']}] {ti['state']} try {ti['try_number']}")
        folder = (live.home / "logs" / f"dag_id={BACKFILL_DAG}" / f"run_id={run['dag_run_id']}"
                  / f"task_id={ti['task_id']}")
        for log in sorted(folder.rglob("attempt=*.log"))[-1:]:
            lines += ["    | " + line[:400] for line in log.read_text(errors="replace").splitlines()[-30:]]
    return "\n".join(lines)


def test_backfill_dialog_creates_runs_that_succeed(logged_in: BrowserUI) -> None:
    from playwright.sync_api import expect

    ui, live = logged_in, logged_in.live
    days = _backfill_days()
    start = datetime(days[0].year, days[0].month, days[0].day, tzinfo=UTC)
    end = datetime(days[-1].year, days[-1].month, days[-1].day, 12, tzinfo=UTC)
    # "30 5 * * *": one interval starting at 05:30 UTC on each of the three days lies within [start, end].
    expected = [_iso(datetime(d.year, d.month, d.day, 5, 30, tzinfo=UTC)) for d in days]
    summary = live.api_json("GET", f"/api/v2/dags/{BACKFILL_DAG}/details").get("timetable_summary")
    assert summary == "30 5 * * *", f"{BACKFILL_DAG}'s schedule changed to {summary!r}: update this test's dates"
    before = {b["id"] for b in live.api_json("GET", "/api/v2/backfills",
                                             params={"dag_id": BACKFILL_DAG})["backfills"]}
    page = ui.page
    with ui.step("dag-page"):
        page.goto(ui.url(f"/dags/{BACKFILL_DAG}"), timeout=UI_TIMEOUT_MS)
        expect(page.get_by_role("heading", name=BACKFILL_DAG, exact=True)).to_be_visible()
    with ui.step("backfill-dialog"):
        page.get_by_role("button", name="Trigger Dag").click()
        dialog = page.get_by_role("dialog").filter(has=page.get_by_role("radio", name="Backfill"))
        expect(dialog).to_be_visible()
        dialog.get_by_text("Run this Dag for a range of dates").click()
        expect(dialog.get_by_role("heading", name=re.compile(r"^Run Backfill"))).to_be_visible()
        for label, moment in (("From", start), ("To", end)):
            dialog.get_by_role("group").filter(has_text=re.compile(f"^{label}")).get_by_test_id(
                "datetime-input").click()
            day_box = page.get_by_role("textbox", name=label, exact=True)
            expect(day_box).to_be_visible()
            day_box.fill(moment.strftime("%Y/%m/%d"))
            page.get_by_role("textbox", name="HH:mm").fill(moment.strftime("%H:%M"))
            page.keyboard.press("Escape")  # closes the date popover, not the dialog
            expect(day_box).to_be_hidden()
            expect(dialog.get_by_role("group").filter(has_text=re.compile(f"^{label}"))).to_contain_text(
                moment.strftime("%b %d, %Y %H:%M"))
        # The dialog's dry run: the number of runs the backfill will create.
        expect(dialog.get_by_text(re.compile(r"runs? will be triggered"))).to_have_text("3 runs will be triggered.")
        expect(dialog.get_by_role("radio", name="Missing Runs")).to_be_checked()
    with ui.step("backfill-created"):
        run_button = dialog.get_by_role("button", name="Run Backfill")
        expect(run_button).to_be_enabled()
        run_button.click()
        expect(dialog).to_be_hidden()

    backfills = [b for b in live.api_json("GET", "/api/v2/backfills", params={"dag_id": BACKFILL_DAG})["backfills"]
                 if b["id"] not in before]
    assert len(backfills) == 1, f"the dialog created {len(backfills)} backfills of {BACKFILL_DAG}: {backfills}"
    backfill = backfills[0]
    print(f"backfill {backfill['id']} of {BACKFILL_DAG}: {backfill['from_date']} .. {backfill['to_date']}, "
          f"max_active_runs {backfill['max_active_runs']}, reprocess {backfill['reprocess_behavior']}", flush=True)
    assert (_parse(backfill["from_date"]), _parse(backfill["to_date"])) == (start, end), backfill

    deadline = time.monotonic() + BACKFILL_TIMEOUT
    seen: dict[str, str] = {}
    while True:
        found = live.api_json("GET", f"/api/v2/dags/{BACKFILL_DAG}/dagRuns",
                              params={"limit": 100, "run_type": "backfill"})["dag_runs"]
        mine = {_iso(_parse(r["logical_date"])): r for r in found
                if r["logical_date"] and _iso(_parse(r["logical_date"])) in expected}
        if set(mine) != set(expected) and time.monotonic() - (deadline - BACKFILL_TIMEOUT) > 60:
            pytest.fail(f"backfill {backfill['id']} has runs for {sorted(mine)}, expected {expected}; "
                        f"all backfill runs: {[(r['dag_run_id'], r['logical_date']) for r in found]}", pytrace=False)
        states = {d: r["state"] for d, r in mine.items()}
        if states != seen:
            print(f"  {time.strftime('%H:%M:%S')} backfill runs: {states}", flush=True)
            seen = states
        failed = [r for r in mine.values() if r["state"] == "failed"]
        if failed:
            live.print_log_tails(40)
            pytest.fail("backfill run failed:\n" + "\n".join(_describe(live, r) for r in failed), pytrace=False)
        if len(mine) == len(expected) and all(s == "success" for s in states.values()):
            break
        if time.monotonic() > deadline:
            live.print_log_tails(40)
            pytest.fail(f"backfill runs not done after {BACKFILL_TIMEOUT} s:\n"
                        + "\n".join(_describe(live, r) for r in mine.values()), pytrace=False)
        time.sleep(5)
    with ui.step("backfill-runs"):
        page.goto(ui.url(f"/dags/{BACKFILL_DAG}/runs"), timeout=UI_TIMEOUT_MS)
        for run in mine.values():
            expect(page.get_by_role("link", name=run["dag_run_id"], exact=True).first).to_be_visible()
    print(f"backfill {backfill['id']}: runs {sorted(r['dag_run_id'] for r in mine.values())} succeeded", flush=True)
