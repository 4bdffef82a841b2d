"""NYISO rtfuelmix parsers on the recorded daily CSVs (2017 and 2025) and the February 2025 archive.

What a user would otherwise see: every NYISO value 5 minutes late (interval-ending stamps stored as starts),
an hour off in summer (EST assumed), or a backfill month missing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window
from gridcarbon.replay import nyiso as replay
from gridcarbon.sources import nyiso
from gridcarbon.sources.contract import Fetched
from tests.conftest import fixture_path
from tests.unit.fake_http import FakeSession, endpoint


def _by(records, label, ts):
    hits = [r for r in records if r.source_label == label and r.interval_start_utc == ts]
    assert len(hits) == 1, (label, ts, hits)
    return hits[0]


def test_daily_csv_2017_interval_ending_est() -> None:
    """11/22/2017 00:05:00 EST Dual Fuel 1447.0 is the interval starting 05:00Z; the off-grid stamp 00:07:34
    is kept; the last stamp 23:55 gives the interval starting 04:50Z next day."""
    records = nyiso.parse_rtfuelmix_csv(fixture_path("nyiso/nyiso_20171122rtfuelmix.csv").read_text())
    assert len(records) == 2023
    assert _by(records, "Dual Fuel", datetime(2017, 11, 22, 5, 0, tzinfo=UTC)).generation_mw == 1447.0
    assert _by(records, "Nuclear", datetime(2017, 11, 22, 5, 0, tzinfo=UTC)).generation_mw == 5413.0
    assert any(r.interval_start_utc == datetime(2017, 11, 22, 5, 2, 34, tzinfo=UTC) for r in records)
    assert _by(records, "Hydro", datetime(2017, 11, 23, 4, 50, tzinfo=UTC)).generation_mw == 3445.0
    assert {r.interval_minutes for r in records} == {5}


def test_daily_csv_2025_ends_with_next_day_midnight() -> None:
    """The 2025 file runs 00:05 .. 00:00 of the next day: 288 intervals, the last starting 23:55 EST."""
    records = nyiso.parse_rtfuelmix_csv(fixture_path("nyiso/nyiso_20250201rtfuelmix.csv").read_text())
    stamps = sorted({r.interval_start_utc for r in records})
    assert len(stamps) == 288 and len(records) == 2016
    assert stamps[0] == datetime(2025, 2, 1, 5, tzinfo=UTC)
    assert stamps[-1] == datetime(2025, 2, 2, 4, 55, tzinfo=UTC)
    assert _by(records, "Dual Fuel", datetime(2025, 2, 1, 5, tzinfo=UTC)).generation_mw == 4613.0
    assert _by(records, "Wind", datetime(2025, 2, 2, 4, 55, tzinfo=UTC)).generation_mw == 152.0


def test_monthly_archive_holds_every_day_of_february() -> None:
    """The archive's 28 daily CSVs parse to the same rows as the daily file for 2025-02-01."""
    archive = nyiso.parse_rtfuelmix_zip(fixture_path("nyiso/nyiso_20250201rtfuelmix_csv.zip").read_bytes())
    daily = nyiso.parse_rtfuelmix_csv(fixture_path("nyiso/nyiso_20250201rtfuelmix.csv").read_text())
    first_day = [r for r in archive if r.interval_start_utc < datetime(2025, 2, 2, 5, tzinfo=UTC)]
    assert sorted(first_day, key=repr) == sorted(daily, key=repr)
    assert min(r.interval_start_utc for r in archive) == datetime(2025, 2, 1, 5, tzinfo=UTC)
    assert max(r.interval_start_utc for r in archive) == datetime(2025, 3, 1, 4, 55, tzinfo=UTC)
    stamps = {r.interval_start_utc for r in archive}
    off_grid = {t for t in stamps if t.minute % 5 or t.second}
    # as published: 8,058 regular 5-minute stamps plus 188 extra (off-grid) dispatch stamps, all kept
    assert (len(stamps), len(off_grid)) == (8246, 188)


def test_old_header_gen_mwh_without_seconds_and_edt() -> None:
    """Older files say 'Gen MWh' and have no seconds; an EDT stamp is 4 hours behind UTC."""
    text = "Time Stamp,Time Zone,Fuel Category,Gen MWh\r\n07/01/2016 00:05,EDT,Wind,512\r\n"
    (record,) = nyiso.parse_rtfuelmix_csv(text)
    assert record.interval_start_utc == datetime(2016, 7, 1, 4, 0, tzinfo=UTC)
    assert record.generation_mw == 512.0


def test_autumn_dst_day_generated_in_real_format_has_300_intervals() -> None:
    """2024-11-03: 01:xx EDT then 01:xx EST are distinct instants; 25 hours = 300 intervals."""
    records = nyiso.parse_rtfuelmix_csv(replay.daily_csv(date(2024, 11, 3)))
    assert len({r.interval_start_utc for r in records}) == 300


def test_malformed_csv_names_source_and_url() -> None:
    """A CSV with an unknown time zone or a non-number fails naming the source, URL and line."""
    url = "http://mis.nyiso.com/public/csv/rtfuelmix/20250201rtfuelmix.csv"
    with pytest.raises(MalformedPayloadError, match=r"line 2 .*source=nyiso url=http://mis.nyiso.com"):
        nyiso.parse_rtfuelmix_csv("Time Stamp,Time Zone,Fuel Category,Gen MW\n02/01/2025 00:05:00,XYZ,Wind,1\n",
                                  url=url)
    with pytest.raises(MalformedPayloadError, match="lacks Time Stamp"):
        nyiso.parse_rtfuelmix_csv("<html>maintenance</html>", url=url)
    with pytest.raises(MalformedPayloadError, match="not a zip"):
        nyiso.parse_rtfuelmix_zip(b"<html>", url=url)


def test_eastern_days_include_the_next_file_for_the_last_interval() -> None:
    """A daily UTC window 05:30Z..05:30Z touches two Eastern days, so both daily files are fetched."""
    window = Window(datetime(2025, 2, 1, 5, 30, tzinfo=UTC), datetime(2025, 2, 2, 5, 30, tzinfo=UTC))
    assert nyiso.eastern_days(window) == [date(2025, 2, 1), date(2025, 2, 2)]


def test_fetch_with_plain_values_reads_the_daily_file_or_the_archive() -> None:
    """``fetch`` with a fake session answering the recorded files and settings as values: a day younger than
    ``daily_file_days`` comes from its daily CSV, the same day with ``daily_file_days=0`` from the monthly
    archive; either way the hour's rows, Dual Fuel 4613 MW at 05:00Z."""
    window = Window(datetime(2025, 2, 1, 5, tzinfo=UTC), datetime(2025, 2, 1, 6, tzinfo=UTC))
    session = FakeSession({"/csv/rtfuelmix/20250201rtfuelmix.csv": fixture_path("nyiso/nyiso_20250201rtfuelmix.csv"),
                           "/csv/rtfuelmix/20250201rtfuelmix_csv.zip":
                           fixture_path("nyiso/nyiso_20250201rtfuelmix_csv.zip")})
    where = endpoint("nyiso", "https://mirror.example/public")
    now = datetime(2025, 2, 3, tzinfo=UTC)
    for settings, url in [
        (nyiso.Settings(now=now), "https://mirror.example/public/csv/rtfuelmix/20250201rtfuelmix.csv"),
        (nyiso.Settings(now=now, daily_file_days=0),
         "https://mirror.example/public/csv/rtfuelmix/20250201rtfuelmix_csv.zip"),
    ]:
        session.requests.clear()
        answer = nyiso.fetch(session, where, window, settings)
        assert isinstance(answer, Fetched) and answer.window == window
        assert session.urls == [url]
        assert len({r.interval_start_utc for r in answer.records}) == 12
        assert _by(answer.records, "Dual Fuel", window.start).generation_mw == 4613.0
