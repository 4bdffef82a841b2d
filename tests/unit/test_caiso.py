"""CAISO parsers on the recorded Daily Renewables Watch reports and the OASIS error zip, and on a
fuelsource.csv built from the documented format (no real recording of it exists).

What a user would otherwise see: hours shifted by DST (a 02:00 row on the spring day, a duplicated hour in
autumn), the RENEWABLES total counted twice, or an OASIS error stored as "no data"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest

from gridcarbon.errors import MalformedPayloadError, SourceError
from gridcarbon.intervals import Window
from gridcarbon.replay import caiso as replay
from gridcarbon.settings import Environment
from gridcarbon.sources import caiso
from gridcarbon.sources.contract import Fetched, NotServed
from tests.conftest import fixture_path
from tests.unit.fake_http import FakeSession, endpoint


def _by(records, label, ts):
    hits = [r for r in records if r.source_label == label and r.interval_start_utc == ts]
    assert len(hits) == 1, (label, ts, hits)
    return hits[0]


def test_renewables_watch_spring_dst_day_has_23_hours() -> None:
    """2017-03-12: hour-ending 3 (02:00 local) does not exist and holds .NET error text; it is dropped, the
    other 23 hours land at the right UTC instants with the values printed in the report."""
    text = fixture_path("caiso/caiso_20170312_DailyRenewablesWatch.txt").read_text()
    records = caiso.parse_renewables_watch(text, date(2017, 3, 12))
    hours = sorted({r.interval_start_utc for r in records})
    assert len(hours) == 23
    assert hours[0] == datetime(2017, 3, 12, 8, tzinfo=UTC)  # HE1 = 00:00 PST
    assert hours[1] == datetime(2017, 3, 12, 9, tzinfo=UTC)  # HE2 = 01:00 PST
    assert hours[2] == datetime(2017, 3, 12, 10, tzinfo=UTC)  # HE4 = 03:00 PDT
    assert hours[-1] == datetime(2017, 3, 13, 6, tzinfo=UTC)  # HE24 = 23:00 PDT
    assert _by(records, "WIND TOTAL", datetime(2017, 3, 12, 10, tzinfo=UTC)).generation_mw == 1186
    assert _by(records, "IMPORTS", datetime(2017, 3, 12, 8, tzinfo=UTC)).generation_mw == 6685
    assert _by(records, "SOLAR PV", datetime(2017, 3, 12, 22, tzinfo=UTC)).generation_mw == 8157  # HE16 PDT
    assert all(r.interval_minutes == 60 for r in records)
    assert "RENEWABLES" not in {r.source_label for r in records}
    assert len(records) == 23 * 11


def test_renewables_watch_autumn_dst_day_holds_24_rows_not_25() -> None:
    """2017-11-05 has 25 hours but the report only 24 rows: HE2 is the first 01:00 (PDT), HE3 starts at
    02:00 PST; the repeated 01:00 PST hour (09:00Z) is absent rather than invented or duplicated."""
    text = fixture_path("caiso/caiso_20171105_DailyRenewablesWatch.txt").read_text()
    records = caiso.parse_renewables_watch(text, date(2017, 11, 5))
    hours = sorted({r.interval_start_utc for r in records})
    assert len(hours) == 24
    assert hours[:3] == [datetime(2017, 11, 5, 7, tzinfo=UTC), datetime(2017, 11, 5, 8, tzinfo=UTC),
                         datetime(2017, 11, 5, 10, tzinfo=UTC)]
    assert datetime(2017, 11, 5, 9, tzinfo=UTC) not in hours
    assert hours[-1] == datetime(2017, 11, 6, 7, tzinfo=UTC)
    assert _by(records, "GEOTHERMAL", datetime(2017, 11, 5, 7, tzinfo=UTC)).generation_mw == 928
    assert _by(records, "THERMAL", datetime(2017, 11, 6, 7, tzinfo=UTC)).generation_mw == 8570  # HE24
    assert _by(records, "HYDRO", datetime(2017, 11, 5, 10, tzinfo=UTC)).generation_mw == 2148  # HE3


def test_oasis_invalid_request_zip_becomes_source_error() -> None:
    """OASIS answers a bad query with HTTP 200 and INVALID_REQUEST.xml.zip; the user sees ERR_CODE 1001 and
    the URL in the task log instead of an empty load."""
    content = fixture_path("caiso/caiso_oasis_SLD_RTO_INVALID_REQUEST.xml.zip").read_bytes()
    with pytest.raises(SourceError, match=r"ERR_CODE 1001 Invalid Parameters of the given report name") as info:
        caiso.raise_for_oasis_error(content, url="https://oasis.caiso.com/oasisapi/SingleZip?queryname=SLD_RTO")
    assert "source=caiso" in str(info.value) and "SingleZip" in str(info.value)


FUELSOURCE_SAMPLE = (
    "Time,Solar,Wind,Geothermal,Biomass,Biogas,Small hydro,Coal,Nuclear,Natural Gas,Large Hydro,Batteries,"
    "Imports,Other\r\n"
    "00:00,-32,4061,823,301,190,205,3,2268,5980,1411,-120,7205,0\r\n"
    "00:05,-31,4054,823,301,190,204,3,2268,5942,1405,85,7190,0\r\n"
    "23:55,,,,,,,,,,,,,\r\n"
    "00:00,-30,4100,822,300,190,204,3,2268,5900,1400,40,7100,0\r\n"
)


def test_fuelsource_csv_built_from_documented_columns() -> None:
    """Built from the documented columns (no real fuelsource.csv recording exists): HH:MM Pacific with the
    date from the URL, negative solar/batteries kept, empty (unpublished) rows not stored, and the trailing
    00:00 row belongs to the next day."""
    records = caiso.parse_fuelsource_csv(FUELSOURCE_SAMPLE, date(2025, 3, 1))
    assert _by(records, "Natural Gas", datetime(2025, 3, 1, 8, tzinfo=UTC)).generation_mw == 5980
    assert _by(records, "Batteries", datetime(2025, 3, 1, 8, 5, tzinfo=UTC)).generation_mw == 85
    assert _by(records, "Solar", datetime(2025, 3, 1, 8, tzinfo=UTC)).generation_mw == -32
    assert _by(records, "Imports", datetime(2025, 3, 2, 8, tzinfo=UTC)).generation_mw == 7100
    assert len(records) == 3 * 13
    assert {r.interval_minutes for r in records} == {5}


def test_fuelsource_csv_autumn_day_repeats_one_hour_as_pst() -> None:
    """On 2024-11-03 the generated file (real layout) has 300 rows + the trailing 00:00; the second 01:xx run is
    PST, so all 301 stamps are distinct UTC instants, 5 minutes apart."""
    records = caiso.parse_fuelsource_csv(replay.fuelsource_csv(date(2024, 11, 3)), date(2024, 11, 3))
    stamps = sorted({r.interval_start_utc for r in records})
    assert len(stamps) == 301
    assert stamps[0] == datetime(2024, 11, 3, 7, tzinfo=UTC)
    assert stamps[-1] == datetime(2024, 11, 4, 8, tzinfo=UTC)
    assert all((b - a).total_seconds() == 300 for a, b in pairwise(stamps))


def test_fuelsource_csv_malformed_names_source_url_and_day() -> None:
    """An HTML error page instead of the CSV fails with MalformedPayloadError naming source, URL and day."""
    url = "https://www.caiso.com/outlook/history/20250301/fuelsource.csv"
    with pytest.raises(MalformedPayloadError, match=r"source=caiso url=https://www.caiso.com/outlook.*"
                                                    r"interval=\[2025-03-01T08:00:00\+00:00"):
        caiso.parse_fuelsource_csv("<html>Service unavailable</html>", date(2025, 3, 1), url=url)
    with pytest.raises(MalformedPayloadError, match="is not a number"):
        caiso.parse_fuelsource_csv("Time,Solar\n00:00,n/a\n", date(2025, 3, 1), url=url)


def test_window_before_oldest_day_is_not_served() -> None:
    """A catch-up run for 2009 (before CAISO's reports start) is ``NotServed`` with the reason (skipped by the DAG
    layer); nothing is requested."""
    window = Window(datetime(2009, 6, 1, 8, 30, tzinfo=UTC), datetime(2009, 6, 2, 8, 30, tzinfo=UTC))
    session = FakeSession({})
    answer = caiso.fetch(session, endpoint("caiso", caiso.DEFAULT_BASE_URL), window,
                         caiso.Settings(now=datetime(2025, 3, 2, tzinfo=UTC)))
    assert isinstance(answer, NotServed) and "caiso serves generation by fuel from 2010-04-20" in answer.reason
    assert session.requests == []


def test_fetch_with_plain_values_on_the_recorded_report() -> None:
    """``fetch`` with a fake session answering the recorded 2017-03-12 report and settings given as values (the
    first served day moved to 2017-03-12, so the previous day's file is not asked for): the Pacific day's 23 hours
    from the connection's ``drw_base_url``, WIND TOTAL 1186 MW at 10:00Z."""
    window = Window(datetime(2017, 3, 12, 8, tzinfo=UTC), datetime(2017, 3, 13, 7, tzinfo=UTC))
    session = FakeSession({"/green/renewrpt/20170312_DailyRenewablesWatch.txt":
                           fixture_path("caiso/caiso_20170312_DailyRenewablesWatch.txt")})
    settings = caiso.Settings(now=datetime(2025, 3, 2, tzinfo=UTC), oldest_day=date(2017, 3, 12))
    answer = caiso.fetch(session, endpoint("caiso", "https://mirror.example", extra={"drw_base_url": "https://drw"}),
                         window, settings)
    assert isinstance(answer, Fetched) and answer.window == window
    assert session.urls == ["https://drw/green/renewrpt/20170312_DailyRenewablesWatch.txt"]
    assert len(answer.records) == 23 * 11
    assert _by(answer.records, "WIND TOTAL", datetime(2017, 3, 12, 10, tzinfo=UTC)).generation_mw == 1186


def test_settings_from_the_environment() -> None:
    """The first Today's Outlook day and the oldest served day are read once into the settings."""
    env = Environment({"CAISO_OUTLOOK_FIRST_DAY": "2019-01-01", "CAISO_OLDEST_DAY": "2011-01-01",
                       "ISO_PUBLICATION_GRACE_MINUTES": "10"})
    settings = caiso.Settings.from_env(env)
    assert (settings.outlook_first_day, settings.oldest_day) == (date(2019, 1, 1), date(2011, 1, 1))
    assert settings.grace == timedelta(minutes=10)
    assert caiso.Settings.from_env(Environment({})) == caiso.Settings()


def test_pacific_days_cover_the_window_and_the_trailing_row() -> None:
    """A daily UTC window touches two Pacific days (plus the day before, whose file ends with 00:00)."""
    window = Window(datetime(2025, 3, 1, 8, 30, tzinfo=UTC), datetime(2025, 3, 2, 8, 30, tzinfo=UTC))
    assert caiso.pacific_days(window) == [date(2025, 2, 28), date(2025, 3, 1), date(2025, 3, 2)]
