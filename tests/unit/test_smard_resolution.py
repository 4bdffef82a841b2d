"""SMARD series at the resolution SMARD has for each period, through the fetch/parse path with a fake HTTP
session serving the recorded payloads; and which missing series are worth a WARNING.

The day-ahead price (4169, DE-LU) exists per hour before delivery day 2025-10-01 and per quarter hour from
then (DOMAIN.md 3.2, 4.8). With the default configuration a run before October 2025 must load the hourly price
for every hour, whatever SMARD_RESOLUTION says for generation, and must not ask for (or record as absent) a
quarter-hour price SMARD does not have.

What a user would see if these failed: every interval before October 2025 flagged PRICE_MISSING, the
negative-price rule of the merit-order model never firing (marginal intensities hundreds of g/kWh too high),
and only an INFO line saying so.

No recorded day-ahead price payload exists (../shared/fixtures/PROVENANCE.md lists generation files only):
the fake session serves the recorded generation files as recorded, and an hourly price file CONSTRUCTED here
in SMARD's wire format (compact JSON, ``[[ms, EUR/MWh], ...]``, one value per hour of the local week).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gridcarbon.connections import Endpoint
from gridcarbon.intervals import Window
from gridcarbon.settings import fixtures_dir
from gridcarbon.sources import smard
from gridcarbon.sources.contract import Fetched, NothingToLoad
from tests.conftest import fixture_path

BASE = "https://www.smard.de/app"
WIND_NEW = "smard/4067_DE_quarterhour_1750024800000__created20250622T1937Z.json"
# the recorded wind week starts Monday 2025-06-16 00:00 Europe/Berlin; the run is its Tuesday (UTC day)
RUN = Window(datetime(2025, 6, 17, tzinfo=UTC), datetime(2025, 6, 18, tzinfo=UTC))
PRICE_WEEKS = [datetime(2025, 6, 8, 22, tzinfo=UTC), datetime(2025, 6, 15, 22, tzinfo=UTC)]
_INDEX = re.compile(r"/chart_data/(\d+)/([^/]+)/index_(\w+)\.json$")
DEFAULTS = smard.Settings()  # the default settings, as values
_BLOCK = re.compile(r"/chart_data/(\d+)/([^/]+)/\d+_[^_]+_(\w+)_(\d+)\.json$")


class _Response:
    def __init__(self, status: int, body: bytes) -> None:
        self.status_code = status
        self.content = body
        self.text = body.decode("utf-8", "replace")
        self.url = ""
        self.headers: dict[str, str] = {"Content-Type": "application/json"}


class FakeSmard:
    """Answers like smard.de did before October 2025: the recorded files for their blocks, the constructed
    hourly price, 404 for the quarter-hour price index and for everything it has no file for."""

    def __init__(self, recorded: dict[tuple[int, str, str, int], Path], prices: dict[int, bytes]) -> None:
        self.recorded = recorded
        self.prices = prices  # hourly price block start (ms) -> body
        self.requests: list[str] = []

    def request(self, method: str, url: str, **_: Any) -> _Response:
        self.requests.append(url)
        found = _INDEX.search(url)
        if found:
            key = (int(found.group(1)), found.group(2), found.group(3))
            if key == (4169, "DE-LU", "hour"):
                return _Response(200, json.dumps({"timestamps": sorted(self.prices)}).encode())
            stamps = sorted(ts for (f, r, res, ts) in self.recorded if (f, r, res) == key)
            if stamps:
                return _Response(200, json.dumps({"timestamps": stamps}).encode())
            return _Response(404, b"not found")
        found = _BLOCK.search(url)
        if found:
            f, r, res, ts = int(found.group(1)), found.group(2), found.group(3), int(found.group(4))
            if (f, r, res) == (4169, "DE-LU", "hour") and ts in self.prices:
                return _Response(200, self.prices[ts])
            if (f, r, res, ts) in self.recorded:
                return _Response(200, self.recorded[(f, r, res, ts)].read_bytes())
        return _Response(404, b"not found")


def _recorded_files() -> dict[tuple[int, str, str, int], Path]:
    """Every recorded SMARD block, the newest meta_data.created per block (the later revision wins)."""
    fixture_path(WIND_NEW)  # skip (or fail under CI) without the fixtures
    newest: dict[tuple[int, str, str, int], tuple[int, Path]] = {}
    for path in sorted((fixtures_dir() / "smard").glob("*_*_*_*.json")):
        filter_id, region, resolution, rest = path.name.split("_", 3)
        key = (int(filter_id), region, resolution, int(rest.split("__")[0].removesuffix(".json")))
        created = json.loads(path.read_text())["meta_data"]["created"]
        if key not in newest or created > newest[key][0]:
            newest[key] = (created, path)
    return {key: path for key, (_, path) in newest.items()}


def _constructed_price_week(start: datetime) -> bytes:
    """One local week of hourly prices in SMARD's wire format; some hours negative (sunny noon)."""
    end = smard.local_week_end(start)
    hours = int((end - start) / timedelta(hours=1))
    series = [[int((start + timedelta(hours=h)).timestamp() * 1000), round(80.0 - 95.0 * (h % 24 in (10, 11)), 2)]
              for h in range(hours)]
    return json.dumps({"meta_data": {"version": 1, "created": 1750621058406}, "series": series},
                      separators=(",", ":")).encode()


@pytest.fixture()
def fake() -> FakeSmard:
    prices = {int(week.timestamp() * 1000): _constructed_price_week(week) for week in PRICE_WEEKS}
    return FakeSmard(_recorded_files(), prices)


def _hours(window: Window) -> list[datetime]:
    return [window.start + timedelta(hours=h) for h in range(int((window.end - window.start) / timedelta(hours=1)))]


def test_default_run_before_october_2025_has_a_price_for_every_hour(fake: FakeSmard,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    """Default settings (generation quarter-hourly), a one-day run in June 2025 with the 48 h look-back: the
    price series of the configuration are read through the real fetch/parse path; the hourly one gives a
    published price for each of the 72 hours, the quarter-hour one is not requested at all (SMARD has none
    before 2025-10-01) and nothing is logged as a warning. The recorded wind file loads alongside as
    recorded."""
    caplog.set_level(logging.INFO, logger="gridcarbon.sources.smard")
    price_specs = [s for s in DEFAULTS.series_specs() if s.filter_id == 4169]
    assert price_specs == [smard.SeriesSpec(4169, "DE-LU", "hour"), smard.SeriesSpec(4169, "DE-LU", "quarterhour")]
    prices: dict[datetime, float | None] = {}
    for spec in price_specs:
        result, records = smard.read_series(fake, BASE, spec, RUN, DEFAULTS)
        if spec.resolution == "quarterhour":
            assert (result.status, result.rows) == ("not_available", 0), result
        else:
            assert result.status == "present" and result.window == RUN.widened(timedelta(hours=48)), result
            prices.update({r.interval_start_utc: r.value for r in records})
    widened = RUN.widened(timedelta(hours=48))
    missing = [h.isoformat() for h in _hours(widened) if prices.get(h) is None]
    assert not missing, f"hours without a day-ahead price: {missing}"
    assert len(prices) == 72 and min(v for v in prices.values() if v is not None) < 0
    assert not [u for u in fake.requests if "4169" in u and "quarterhour" in u], fake.requests
    wind, records = smard.read_series(fake, BASE, smard.SeriesSpec(4067, "DE", "quarterhour"), RUN, DEFAULTS)
    # the only recorded wind block starts 2025-06-15T22:00Z: 50 of the 72 hours, every value published
    assert (wind.status, wind.blocks, wind.rows, wind.non_null) == ("present", 1, 50 * 4, 50 * 4)
    assert records[0].interval_start_utc == datetime(2025, 6, 15, 22, tzinfo=UTC) and records[0].value == 3208.5
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


def test_generation_resolution_does_not_change_the_price_resolutions() -> None:
    """SMARD_RESOLUTION=hour applies to generation and load; the price keeps both of SMARD's resolutions."""
    specs = smard.Settings(resolution="hour").series_specs()
    assert {s.resolution for s in specs if s.filter_id != 4169} == {"hour"}
    assert [s.resolution for s in specs if s.filter_id == 4169] == ["hour", "quarterhour"]


def test_a_window_across_the_switch_reads_each_resolution_for_its_own_period() -> None:
    """2025-09-30T20:00Z..2025-10-01T02:00Z (48 h look-back): the hourly price covers the whole window (SMARD
    has it before the switch and may have it after), the quarter-hour price only from 2025-09-30T22:00Z."""
    run = Window(datetime(2025, 9, 30, 20, tzinfo=UTC), datetime(2025, 10, 1, 2, tzinfo=UTC))
    widened = run.widened(timedelta(hours=48))
    hour = smard.SeriesSpec(4169, "DE-LU", "hour")
    quarter = smard.SeriesSpec(4169, "DE-LU", "quarterhour")
    assert hour.clip(widened) == widened
    assert quarter.clip(widened) == Window(smard.QUARTER_HOUR_PRICES_FROM, run.end)
    assert quarter.clip(Window(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 2, tzinfo=UTC))) is None
    assert hour.clip(widened, hour.required()) == Window(widened.start, smard.QUARTER_HOUR_PRICES_FROM)


def test_required_series_absent_for_the_run_is_a_warning(fake: FakeSmard,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    """A 404 for the price or for a fuel that exists in the region is a WARNING naming series, region and
    window; a 404 for offshore wind in TransnetBW (no coast) stays INFO."""
    caplog.set_level(logging.INFO, logger="gridcarbon.sources.smard")
    fake.prices.clear()
    fake.request = _answering_404_for("/4169/DE-LU/index_hour", fake.request)  # type: ignore[method-assign]
    result, _ = smard.read_series(fake, BASE, smard.SeriesSpec(4169, "DE-LU", "hour"), RUN, DEFAULTS)
    assert result.status == "absent"
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    text = warning.getMessage()
    assert "4169" in text and "DE-LU" in text and str(RUN.widened(timedelta(hours=48))) in text, text
    caplog.clear()
    smard.read_series(fake, BASE, smard.SeriesSpec(4067, "TenneT", "quarterhour"), RUN, DEFAULTS)
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "4067" in warning.getMessage() and "TenneT" in warning.getMessage()
    caplog.clear()
    result, _ = smard.read_series(fake, BASE, smard.SeriesSpec(1225, "TransnetBW", "quarterhour"), RUN, DEFAULTS)
    assert result.status == "absent"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert "absent" in caplog.text


def test_price_published_nowhere_in_the_window_is_a_warning(fake: FakeSmard,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    """The hourly price file exists but holds only nulls for the window: a WARNING (prices are published a
    day ahead, so an all-null window is not a publication lag)."""
    caplog.set_level(logging.INFO, logger="gridcarbon.sources.smard")
    for ts, body in list(fake.prices.items()):
        data = json.loads(body)
        data["series"] = [[t, None] for t, _ in data["series"]]
        fake.prices[ts] = json.dumps(data, separators=(",", ":")).encode()
    result, _ = smard.read_series(fake, BASE, smard.SeriesSpec(4169, "DE-LU", "hour"), RUN, DEFAULTS)
    assert result.status == "present" and result.non_null == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "PRICE_MISSING" in warnings[0] and "DE-LU" in warnings[0], warnings


def _answering_404_for(fragment: str, inner: Any) -> Any:
    def request(method: str, url: str, **kwargs: Any) -> _Response:
        if fragment in url:
            return _Response(404, b"not found")
        return inner(method, url, **kwargs)
    return request


def test_fetch_with_plain_values_on_the_recorded_week(fake: FakeSmard) -> None:
    """``fetch`` (the feed of the mapped task) with the fake session serving the recorded wind week, the series as
    the plan hands it over (a dict) and settings as values (a 24-hour look-back): the widened window's 48 hours,
    3352.75 MWh in its first quarter hour (2025-06-16 00:00Z), the index URL for load errors."""
    settings = smard.Settings(lookback=timedelta(hours=24))
    answer = smard.fetch(fake, Endpoint("smard", BASE), RUN, settings,
                         smard.SeriesSpec(4067, "DE", "quarterhour").as_dict())
    assert isinstance(answer, Fetched) and answer.window == RUN.widened(timedelta(hours=24))
    assert answer.records.result.status == "present" and answer.note["series"] == "4067_DE_quarterhour"
    assert len(answer.records.records) == 48 * 4
    first = answer.records.records[0]
    assert (first.interval_start_utc, first.value) == (datetime(2025, 6, 16, tzinfo=UTC), 3352.75)
    assert answer.url == f"{BASE}/chart_data/4067/DE/index_quarterhour.json"


def test_fetch_of_a_series_smard_does_not_have_loads_nothing(fake: FakeSmard) -> None:
    """The quarter-hour price before 2025-10-01 is not requested: ``NothingToLoad``."""
    answer = smard.fetch(fake, Endpoint("smard", BASE), RUN, DEFAULTS, smard.SeriesSpec(4169, "DE-LU", "quarterhour"))
    assert isinstance(answer, NothingToLoad) and fake.requests == []
