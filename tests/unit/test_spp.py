"""SPP gen-mix parser, ``fetch`` with plain values, and the two-hour rule.

No real recording of ``/chart-api/gen-mix/asFile`` exists: the payloads here are built from the column layout
documented by gridstatus' SPP parser (GMTTime, <fuel> Market/Self columns, Load). What a user would otherwise
see: SPP's load forecast counted as generation, or hourly runs failing (and retrying) for hours SPP no longer
serves instead of a skip with the reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window
from gridcarbon.replay import spp as replay
from gridcarbon.sources import spp
from gridcarbon.sources.contract import Fetched, NotServed
from tests.unit.fake_http import FakeSession, endpoint

SAMPLE = (
    "GMTTime, Coal Market, Coal Self, Wind Market, Wind Self, Load\n"
    "2025-03-01T06:00:00Z,8123.4,2200.1,15012.0,35.5,41000\n"
    "2025-03-01T06:05:00Z,8100.0,,15100.2,36.0,41020\n"
)


def test_documented_layout_market_and_self_columns_kept_load_dropped() -> None:
    """Each Market/Self column is one label; Load is not stored; an empty cell is NULL."""
    records = spp.parse_gen_mix_csv(SAMPLE)
    assert {r.source_label for r in records} == {"Coal Market", "Coal Self", "Wind Market", "Wind Self"}
    by = {(r.source_label, r.interval_start_utc): r.generation_mw for r in records}
    assert by[("Coal Market", datetime(2025, 3, 1, 6, tzinfo=UTC))] == 8123.4
    assert by[("Wind Self", datetime(2025, 3, 1, 6, 5, tzinfo=UTC))] == 36.0
    assert by[("Coal Self", datetime(2025, 3, 1, 6, 5, tzinfo=UTC))] is None
    assert {r.interval_minutes for r in records} == {5}


def test_malformed_names_source_and_url() -> None:
    """A CSV without GMTTime or with a bad number fails with MalformedPayloadError naming source and URL."""
    url = "https://marketplace.spp.org/chart-api/gen-mix/asFile"
    with pytest.raises(MalformedPayloadError, match=r"no GMTTime.*source=spp url=https://marketplace"):
        spp.parse_gen_mix_csv("<html/>", url=url)
    with pytest.raises(MalformedPayloadError, match="line 2"):
        spp.parse_gen_mix_csv("GMTTime,Coal Market\n2025-03-01T06:00:00Z,lots\n", url=url)


def test_window_older_than_two_hours_is_not_served_and_fetches_nothing() -> None:
    """An hourly run for an hour that ended 3 hours ago is ``NotServed`` with the reason; nothing is requested."""
    now = datetime(2025, 3, 1, 12, 20, tzinfo=UTC)
    window = Window(datetime(2025, 3, 1, 8, 15, tzinfo=UTC), datetime(2025, 3, 1, 9, 15, tzinfo=UTC))
    session = FakeSession({})
    answer = spp.fetch(session, endpoint("spp", spp.DEFAULT_BASE_URL), window, spp.Settings(now=now))
    assert isinstance(answer, NotServed) and "spp serves the last two hours only" in answer.reason
    assert session.requests == []


def test_fetch_with_plain_values_serves_a_recent_window_whole() -> None:
    """``fetch`` with a fake session answering a file in the documented layout (the replay's, no recording
    exists) and settings as values: the recent hour is served whole, 12 stamps x 20 generation columns, from the
    connection's base URL."""
    now = datetime(2025, 3, 1, 12, 20, tzinfo=UTC)
    window = Window(datetime(2025, 3, 1, 11, 15, tzinfo=UTC), datetime(2025, 3, 1, 12, 15, tzinfo=UTC))
    session = FakeSession({"/chart-api/gen-mix/asFile": replay.gen_mix_csv(now)})
    answer = spp.fetch(session, endpoint("spp", "https://mirror.example"), window, spp.Settings(now=now))
    assert isinstance(answer, Fetched) and answer.window == window
    assert session.urls == ["https://mirror.example/chart-api/gen-mix/asFile"]
    assert len(answer.records) == 12 * 20
    first = {r.source_label: r.generation_mw for r in answer.records if r.interval_start_utc == window.start}
    assert first["Wind Market"] == replay.value("Wind Market", window.start)


def test_replay_file_is_two_hours_of_five_minute_rows() -> None:
    """The replay's generated file parses to 24 five-minute stamps x 20 generation columns."""
    records = spp.parse_gen_mix_csv(replay.gen_mix_csv(datetime(2025, 3, 1, 12, 20, tzinfo=UTC)))
    stamps = sorted({r.interval_start_utc for r in records})
    assert len(stamps) == 24 and len(records) == 24 * 20
    assert stamps[-1] == datetime(2025, 3, 1, 12, 15, tzinfo=UTC)  # ended at 12:20


def test_last_interval_not_yet_published_is_retried_not_lost() -> None:
    """At 12:16 the file lacks the 12:10-12:15 interval of the window ending 12:15: ``fetch`` fails with
    SourceUnavailableError (Airflow retries) instead of loading an hour with a hole no later run would fill;
    45 minutes (``ISO_PUBLICATION_GRACE_MINUTES``, a setting) after the window's end the rows present are
    accepted."""
    from gridcarbon.errors import SourceUnavailableError

    window = Window(datetime(2025, 3, 1, 11, 15, tzinfo=UTC), datetime(2025, 3, 1, 12, 15, tzinfo=UTC))
    session = FakeSession({"/chart-api/gen-mix/asFile": replay.gen_mix_csv(datetime(2025, 3, 1, 12, 14, tzinfo=UTC))})
    where = endpoint("spp", spp.DEFAULT_BASE_URL)
    with pytest.raises(SourceUnavailableError, match="no data yet for the window's last interval"):
        spp.fetch(session, where, window, spp.Settings(now=datetime(2025, 3, 1, 12, 16, tzinfo=UTC)))
    late = spp.fetch(session, where, window, spp.Settings(now=datetime(2025, 3, 1, 13, 0, tzinfo=UTC)))
    assert isinstance(late, Fetched)
    assert max(r.interval_start_utc for r in late.records) == datetime(2025, 3, 1, 12, 5, tzinfo=UTC)
    shorter = spp.Settings(now=datetime(2025, 3, 1, 12, 26, tzinfo=UTC), grace=timedelta(minutes=10))
    assert isinstance(spp.fetch(session, where, window, shorter), Fetched)
