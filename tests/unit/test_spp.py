"""SPP gen-mix parser and the two-hour skip rule.

No real recording of ``/chart-api/gen-mix/asFile`` exists: the payloads here are built from the column layout
documented by gridstatus' SPP parser (GMTTime, <fuel> Market/Self columns, Load). What a user would otherwise
see: SPP's load forecast counted as generation, or hourly runs failing (and retrying) for hours SPP no longer
serves instead of a skip with the reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window
from gridcarbon.replay import spp as replay
from gridcarbon.sources import spp

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


def test_window_older_than_two_hours_skips_and_writes_nothing() -> None:
    """An hourly run for an hour that ended 3 hours ago ends skipped with the reason (conn=None unused)."""
    from airflow.sdk.exceptions import AirflowSkipException

    now = datetime(2025, 3, 1, 12, 20, tzinfo=UTC)
    window = Window(datetime(2025, 3, 1, 8, 15, tzinfo=UTC), datetime(2025, 3, 1, 9, 15, tzinfo=UTC))
    with pytest.raises(AirflowSkipException, match="spp serves the last two hours only"):
        spp.extract_and_load(window, conn=None, now=now)


def test_recent_window_is_served_whole() -> None:
    now = datetime(2025, 3, 1, 12, 20, tzinfo=UTC)
    window = Window(datetime(2025, 3, 1, 11, 15, tzinfo=UTC), datetime(2025, 3, 1, 12, 15, tzinfo=UTC))
    assert spp.served_window(window, now) == window


def test_replay_file_is_two_hours_of_five_minute_rows() -> None:
    """The replay's generated file parses to 24 five-minute stamps x 20 generation columns."""
    records = spp.parse_gen_mix_csv(replay.gen_mix_csv(datetime(2025, 3, 1, 12, 20, tzinfo=UTC)))
    stamps = sorted({r.interval_start_utc for r in records})
    assert len(stamps) == 24 and len(records) == 24 * 20
    assert stamps[-1] == datetime(2025, 3, 1, 12, 15, tzinfo=UTC)  # ended at 12:20


def test_last_interval_not_yet_published_is_retried_not_lost() -> None:
    """At 12:16 the file lacks the 12:10-12:15 interval of the window ending 12:15: the task fails with
    SourceUnavailableError (Airflow retries) instead of loading an hour with a hole no later run would fill;
    45 minutes after the window's end the rows present are accepted."""
    from gridcarbon.errors import SourceUnavailableError
    from gridcarbon.sources.iso_common import raise_if_last_interval_missing

    window = Window(datetime(2025, 3, 1, 11, 15, tzinfo=UTC), datetime(2025, 3, 1, 12, 15, tzinfo=UTC))
    records = [r for r in spp.parse_gen_mix_csv(replay.gen_mix_csv(datetime(2025, 3, 1, 12, 14, tzinfo=UTC)))
               if window.start <= r.interval_start_utc < window.end]
    assert max(r.interval_start_utc for r in records) == datetime(2025, 3, 1, 12, 5, tzinfo=UTC)
    with pytest.raises(SourceUnavailableError, match="no data yet for the window's last interval"):
        raise_if_last_interval_missing("spp", records, window, now=datetime(2025, 3, 1, 12, 16, tzinfo=UTC))
    raise_if_last_interval_missing("spp", records, window, now=datetime(2025, 3, 1, 13, 0, tzinfo=UTC))
