"""BPA baltwg.txt parser on the recorded 2014-04-15 excerpt, ``fetch`` with plain values, and the 7-day rule.

What a user would otherwise see: BPA load counted as generation, padding rows stored as NULL generation, or a
failed (retried) task for a day BPA no longer publishes instead of a skip with the reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window
from gridcarbon.replay import bpa as replay
from gridcarbon.sources import bpa
from gridcarbon.sources.contract import Fetched, NotServed
from tests.conftest import fixture_path
from tests.unit.fake_http import FakeSession, endpoint


def test_recorded_2014_excerpt() -> None:
    """04/15/2014 10:10 PDT Wind 3732 is 17:10Z; 12 rows with values x 3 generation columns; Load not stored;
    the empty padding rows (11:10 ..) and the truncated last line are ignored."""
    records = bpa.parse_baltwg(fixture_path("bpa/bpa_baltwg_wind_tsv_2014-04-15.txt").read_text())
    assert {r.source_label for r in records} == {"Wind", "Hydro", "Thermal"}
    assert len(records) == 12 * 3
    first = {r.source_label: r.generation_mw for r in records
             if r.interval_start_utc == datetime(2014, 4, 15, 17, 10, tzinfo=UTC)}
    assert first == {"Wind": 3732, "Hydro": 11225, "Thermal": 1599}
    last = max(r.interval_start_utc for r in records)
    assert last == datetime(2014, 4, 15, 18, 5, tzinfo=UTC)
    assert {r.interval_minutes for r in records} == {5}


def test_columns_are_mapped_by_header_name_with_a_longer_preamble() -> None:
    """A later layout (VER, Fossil/Biomass, Nuclear) behind an 11-line preamble parses by header name."""
    text = "\n".join([f"preamble line {i}" for i in range(11)] + [
        "Date/Time\tLoad\tVER\tHydro\tFossil/Biomass\tNuclear",
        "01/02/2026 00:00\t7000\t1200\t8000\t900\t1150",
        "01/02/2026 00:05\t\t\t\t\t",
    ])
    records = bpa.parse_baltwg(text)
    assert {(r.source_label, r.generation_mw) for r in records} == {
        ("VER", 1200), ("Hydro", 8000), ("Fossil/Biomass", 900), ("Nuclear", 1150)}
    assert {r.interval_start_utc for r in records} == {datetime(2026, 1, 2, 8, tzinfo=UTC)}


def test_malformed_file_names_source_and_url() -> None:
    """An HTML page instead of the text file fails with MalformedPayloadError naming source and URL."""
    url = "https://transmission.bpa.gov/business/operations/Wind/baltwg.txt"
    with pytest.raises(MalformedPayloadError, match=r"no 'Date/Time' header.*source=bpa url=https://trans"):
        bpa.parse_baltwg("<html>moved</html>", url=url)
    with pytest.raises(MalformedPayloadError, match=r"baltwg\.txt row"):
        bpa.parse_baltwg("Date/Time\tWind\n2014-04-15 10:10\t5\n", url=url)


def test_window_older_than_seven_days_is_not_served_and_fetches_nothing() -> None:
    """A run for a day 10 days back is ``NotServed`` with the reason (the DAG layer ends it skipped); nothing is
    requested (the session would record it)."""
    now = datetime(2026, 1, 20, 12, tzinfo=UTC)
    window = Window(datetime(2026, 1, 9, 8, 30, tzinfo=UTC), datetime(2026, 1, 10, 8, 30, tzinfo=UTC))
    session = FakeSession({})
    answer = bpa.fetch(session, endpoint("bpa", bpa.DEFAULT_BASE_URL), window, bpa.Settings(now=now))
    assert isinstance(answer, NotServed)
    assert "bpa serves the last 7 days only" in answer.reason and "writes nothing" in answer.reason
    assert session.requests == []


def test_window_partly_older_is_clipped() -> None:
    """A window reaching 8 days back keeps only the last 7 days."""
    now = datetime(2026, 1, 20, 12, tzinfo=UTC)
    window = Window(datetime(2026, 1, 12, tzinfo=UTC), datetime(2026, 1, 14, tzinfo=UTC))
    session = FakeSession({"baltwg.txt": replay.baltwg(now)})
    answer = bpa.fetch(session, endpoint("bpa", bpa.DEFAULT_BASE_URL), window, bpa.Settings(now=now))
    assert isinstance(answer, Fetched) and answer.window is not None
    assert answer.window.start == datetime(2026, 1, 13, 12, tzinfo=UTC)


def test_fetch_with_plain_values_on_the_recorded_file() -> None:
    """``fetch`` with a fake session answering the recorded 2014 file, the settings as values (no environment):
    the window's 5-minute rows, the URL from the endpoint, Wind 3732 MW at 17:10Z."""
    now = datetime(2014, 4, 15, 19, tzinfo=UTC)  # an hour after the window: its last interval is published
    window = Window(datetime(2014, 4, 15, 17, 10, tzinfo=UTC), datetime(2014, 4, 15, 18, 10, tzinfo=UTC))
    session = FakeSession({"/business/operations/Wind/baltwg.txt":
                           fixture_path("bpa/bpa_baltwg_wind_tsv_2014-04-15.txt")})
    answer = bpa.fetch(session, endpoint("bpa", "https://mirror.example"), window, bpa.Settings(now=now))
    assert isinstance(answer, Fetched) and answer.window == window
    assert session.urls == ["https://mirror.example/business/operations/Wind/baltwg.txt"]
    assert len(answer.records) == 12 * 3
    assert {r.generation_mw for r in answer.records if r.interval_start_utc == window.start
            and r.source_label == "Wind"} == {3732}


def test_replay_file_round_trips_through_the_parser() -> None:
    """The replay's generated file (real layout) parses: 4 generation columns, 5-minute stamps up to now."""
    now = datetime(2026, 1, 20, 12, 3, tzinfo=UTC)
    records = bpa.parse_baltwg(replay.baltwg(now))
    assert {r.source_label for r in records} == {"VER", "Hydro", "Fossil/Biomass", "Nuclear"}
    assert max(r.interval_start_utc for r in records) == datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
    assert records == bpa.parse_baltwg(replay.baltwg(now))
