"""SMARD chart_data parser on recorded real payloads (read in place from ``../shared/fixtures/smard``), the
configuration of series, and the choice of weekly blocks.

What a user would see if these failed: wrong MWh figures in the warehouse, not-yet-published intervals
stored as 0 instead of NULL, a broken or changed SMARD answer loaded silently, or a DST week loaded with a
gap or a duplicate hour.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from gridcarbon.connections import Endpoint
from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window
from gridcarbon.settings import Environment
from gridcarbon.sources import smard
from tests.conftest import fixture_path
from tests.unit.fake_http import FakeSession

URL = "https://www.smard.de/app/chart_data/4067/DE/4067_DE_quarterhour_1750024800000.json"
WIND_OLD = "smard/4067_DE_quarterhour_1750024800000__created20250617T1523Z.json"
WIND_NEW = "smard/4067_DE_quarterhour_1750024800000__created20250622T1937Z.json"
WEEK = Window(datetime(2025, 6, 15, 22, tzinfo=UTC), datetime(2025, 6, 22, 22, tzinfo=UTC))


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _parse(relative: str, filter_id: int, window: Window, **kwargs: object) -> list[smard.ChartValue]:
    path = fixture_path(relative)
    ts = relative.split("_")[3]
    url = f"https://www.smard.de/app/chart_data/{filter_id}/DE/{filter_id}_DE_quarterhour_{ts}.json"
    return smard.parse_chart_data(path.read_bytes(), filter_id=filter_id, region="DE", resolution="quarterhour",
                                  url=url, window=window, **kwargs)  # type: ignore[arg-type]


def test_wind_onshore_week_values_as_published() -> None:
    """The first quarter hour of the week (2025-06-15T22:00Z) is 3205.0 MWh in the first recording; the
    file's meta_data.created and the block start are kept with every row."""
    records = _parse(WIND_OLD, 4067, WEEK)
    assert len(records) == 672
    first = records[0]
    assert first.interval_start_utc == datetime(2025, 6, 15, 22, 0, tzinfo=UTC)
    assert first.value == 3205.0
    assert records[1].value == 3222.0
    assert first.meta_created_utc == _utc(1750173804057)
    assert first.block_start_utc == _utc(1750024800000)
    last_published = [r for r in records if r.value is not None][-1]
    assert last_published.interval_start_utc == _utc(1750171500000)
    assert last_published.value == 908.75


def test_trailing_nulls_stay_none_not_zero() -> None:
    """SMARD pads the current week with null: 508 quarter hours of the first recording are not yet
    published and must arrive as None (NULL), never 0."""
    records = _parse(WIND_OLD, 4067, WEEK)
    nulls = [r for r in records if r.value is None]
    assert len(nulls) == 508
    assert nulls[0].interval_start_utc == _utc(1750171500000) + timedelta(minutes=15)
    assert all(r.value is None for r in records[-508:])


def test_revised_file_has_the_revised_value() -> None:
    """The later recording of the same week revises the first quarter hour from 3205.0 to 3208.5 MWh and
    fills all but 11 of the trailing nulls."""
    old = {r.interval_start_utc: r.value for r in _parse(WIND_OLD, 4067, WEEK)}
    new = {r.interval_start_utc: r.value for r in _parse(WIND_NEW, 4067, WEEK)}
    start = datetime(2025, 6, 15, 22, tzinfo=UTC)
    assert old[start] == 3205.0 and new[start] == 3208.5
    assert sum(v is None for v in new.values()) == 11
    changed = [t for t in old if old[t] is not None and new[t] is not None and old[t] != new[t]]
    assert len(changed) == 65


def test_nuclear_zeros_stay_zero() -> None:
    """After the 2023 shutdown SMARD publishes nuclear as 0.0: that is a value (no generation), not NULL."""
    window = Window(_utc(1706482800000), _utc(1706482800000) + timedelta(days=7))
    records = _parse("smard/1224_DE_quarterhour_1706482800000__created20240130T1202Z.json", 1224, window)
    published = [r for r in records if r.value is not None]
    assert len(published) == 146
    assert all(r.value == 0.0 for r in published)
    assert records[0].value == 0.0 and records[0].value is not None


def test_photovoltaics_lignite_gas_concrete_values() -> None:
    """Figures one can read in the recorded files: PV 0.0 at midnight and 3159.55 MWh at its last published
    quarter hour, lignite 2198.37 MWh and gas 1282.25 MWh in the first quarter hour of their weeks."""
    nov = Window(_utc(1763334000000), _utc(1763334000000) + timedelta(days=7))
    pv = {r.interval_start_utc: r.value
          for r in _parse("smard/4068_DE_quarterhour_1763334000000__created20251118T1513Z.json", 4068, nov)}
    assert pv[_utc(1763334000000)] == 0.0
    assert pv[_utc(1763470800000)] == 3159.55
    assert max(v for v in pv.values() if v is not None) == 4214.25
    lignite = _parse("smard/1223_DE_quarterhour_1763334000000__created20251118T1534Z.json", 1223, nov)
    assert lignite[0].value == 2198.37 and lignite[1].value == 2184.7
    jul = Window(_utc(1752444000000), _utc(1752444000000) + timedelta(days=7))
    gas = _parse("smard/4071_DE_quarterhour_1752444000000__created20250718T2009Z.json", 4071, jul)
    assert gas[0].value == 1282.25
    assert sum(r.value is None for r in gas) == 201


def test_only_points_inside_the_window_are_returned() -> None:
    """A run for 2025-06-16 00:00-06:00Z gets exactly those 24 quarter hours, not the whole week."""
    window = Window(datetime(2025, 6, 16, 0, tzinfo=UTC), datetime(2025, 6, 16, 6, tzinfo=UTC))
    records = _parse(WIND_NEW, 4067, window)
    assert len(records) == 24
    assert records[0].interval_start_utc == window.start
    assert records[-1].interval_start_utc == window.end - timedelta(minutes=15)


# --- malformed payloads ----------------------------------------------------------------------------------
def _good_payload() -> dict:
    return {"meta_data": {"version": 1, "created": 1750173804057},
            "series": [[1750024800000, 3205.0], [1750025700000, 3222.0], [1750026600000, None]]}


def _assert_names_where(exc: MalformedPayloadError) -> None:
    text = str(exc)
    assert "source=smard" in text
    assert f"url={URL}" in text
    assert "interval=[2025-06-15T22:00:00+00:00, 2025-06-22T22:00:00+00:00)" in text


@pytest.mark.parametrize(
    ("case", "payload", "fragment"),
    [
        ("invalid JSON", b'{"meta_data": {"version": 1, "created": 17501', "not valid JSON"),
        ("HTML error page", b"<html>Wartungsarbeiten</html>", "not valid JSON"),
        ("missing series", json.dumps({"meta_data": {"version": 1, "created": 1}}), "missing keys ['series']"),
        ("series renamed", json.dumps({"meta_data": {"created": 1}, "data": []}), "missing keys"),
        ("series is an object", json.dumps({"meta_data": {"created": 1}, "series": {"1750024800000": 1.0}}),
         "expected a list"),
        ("point with three items", json.dumps({"meta_data": {"created": 1}, "series": [[1750024800000, 1.0, 2]]}),
         "expected [ms, value]"),
        ("created missing", json.dumps({"meta_data": {"version": 1}, "series": []}), "meta_data.created"),
        ("string value", json.dumps({"meta_data": {"created": 1}, "series": [[1750024800000, "3205,0"]]}),
         "type str"),
        ("timestamp as ISO string",
         json.dumps({"meta_data": {"created": 1}, "series": [["2025-06-15T22:00:00Z", 1.0]]}), "not an integer"),
        ("duplicate timestamps",
         json.dumps({"meta_data": {"created": 1}, "series": [[1750024800000, 1.0], [1750024800000, 2.0]]}),
         "duplicate timestamp 1750024800000"),
        ("off the quarter-hour grid",
         json.dumps({"meta_data": {"created": 1}, "series": [[1750024800000 + 60_000, 1.0]]}), "not on the"),
    ],
)
def test_malformed_payload_raises_naming_source_url_interval(case: str, payload: str | bytes,
                                                             fragment: str) -> None:
    """A broken or changed SMARD answer stops the task with a MalformedPayloadError whose message says what
    is wrong and names source, URL and interval, instead of loading garbage."""
    with pytest.raises(MalformedPayloadError) as info:
        smard.parse_chart_data(payload, filter_id=4067, region="DE", resolution="quarterhour", url=URL, window=WEEK)
    assert fragment in str(info.value), case
    _assert_names_where(info.value)


def test_unknown_filter_id_is_rejected() -> None:
    """A filter id outside the configured catalogue (e.g. a typo 4076) is an error, not a new series."""
    with pytest.raises(MalformedPayloadError) as info:
        smard.parse_chart_data(json.dumps(_good_payload()), filter_id=4076, region="DE", resolution="quarterhour",
                               url=URL, window=WEEK)
    assert "unknown filter id 4076" in str(info.value)
    _assert_names_where(info.value)


def test_hour_resolution_grid() -> None:
    """Hourly files must sit on full hours; a quarter-hour timestamp in an hourly file is malformed."""
    payload = {"meta_data": {"created": 1}, "series": [[1750024800000, 1.0], [1750025700000, 2.0]]}
    with pytest.raises(MalformedPayloadError, match="not on the hour grid"):
        smard.parse_chart_data(payload, filter_id=4067, region="DE", resolution="hour", url=URL, window=WEEK)


def test_good_payload_parses() -> None:
    """The happy path of the same synthetic payload: numbers kept, null kept as None."""
    records = smard.parse_chart_data(json.dumps(_good_payload()), filter_id=4067, region="DE",
                                     resolution="quarterhour", url=URL, window=WEEK)
    assert [r.value for r in records] == [3205.0, 3222.0, None]
    assert records[0].block_start_utc == _utc(1750024800000)


def test_index_parsing_rejects_a_changed_shape() -> None:
    """An index without ``timestamps`` is malformed (the series could otherwise be silently skipped)."""
    with pytest.raises(MalformedPayloadError, match="index"):
        smard.parse_index(b'{"stamps": [1]}', url=URL, window=WEEK)
    assert smard.parse_index(b'{"timestamps": [3, 1, 2]}', url=URL, window=WEEK) == [1, 2, 3]


# --- weekly blocks and DST ---------------------------------------------------------------------------------
def _berlin_monday(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, tzinfo=smard.BERLIN).timestamp() * 1000)


def test_blocks_follow_the_index_not_fixed_milliseconds() -> None:
    """The week containing the spring DST switch (2025-03-24) is 167 hours long, the autumn one (2025-10-20)
    169 hours; blocks end at the next index timestamp, the last one a local week later."""
    stamps = [_berlin_monday(2025, 3, 17), _berlin_monday(2025, 3, 24), _berlin_monday(2025, 3, 31)]
    window = Window(_utc(stamps[0]), _utc(stamps[-1]) + timedelta(days=8))
    blocks = smard.blocks_overlapping(stamps, window)
    assert [(end - start) for start, end in blocks] == [timedelta(hours=168), timedelta(hours=167),
                                                       timedelta(hours=168)]
    autumn = _berlin_monday(2025, 10, 20)
    (only,) = smard.blocks_overlapping([autumn], Window(_utc(autumn), _utc(autumn) + timedelta(hours=1)))
    assert only[1] - only[0] == timedelta(hours=169)
    assert only[1] == datetime(2025, 10, 26, 23, tzinfo=UTC)


def test_lookback_window_selects_the_previous_block_too() -> None:
    """A run for Monday 00:00-01:00 local with 48 h look-back needs last week's block as well."""
    stamps = [_berlin_monday(2025, 6, 9), _berlin_monday(2025, 6, 16), _berlin_monday(2025, 6, 23)]
    window = Window(_utc(stamps[1]), _utc(stamps[1]) + timedelta(hours=1)).widened(timedelta(hours=48))
    blocks = smard.blocks_overlapping(stamps, window)
    assert [b[0] for b in blocks] == [_utc(stamps[0]), _utc(stamps[1])]


# --- configuration ---------------------------------------------------------------------------------------
def test_default_series_configuration() -> None:
    """By default: 15 filters x 5 regions, all quarter-hourly, plus the DE-LU price at both of SMARD's
    resolutions (hourly before 2025-10-01, quarter-hourly from then) = 77 series."""
    specs = smard.Settings.from_env(Environment({})).series_specs()
    assert specs == smard.Settings().series_specs()
    assert len(specs) == 77
    assert smard.SeriesSpec(4169, "DE-LU", "quarterhour") in specs
    assert smard.SeriesSpec(4169, "DE-LU", "hour") in specs
    assert smard.SeriesSpec(1225, "TransnetBW", "quarterhour") in specs
    assert {s.resolution for s in specs if s.filter_id != 4169} == {"quarterhour"}
    assert not any(s.filter_id == 4169 and s.region != "DE-LU" for s in specs)


def test_series_are_configuration() -> None:
    """Changing the environment changes what is loaded, without touching code (read once into the settings)."""
    env = Environment({"SMARD_SERIES": "4067, 4068,4169@DE-LU", "SMARD_REGIONS": "DE,TenneT",
                       "SMARD_RESOLUTION": "hour", "SMARD_LOOKBACK_HOURS": "6", "SMARD_EXPECTED_ABSENT": "4067@DE"})
    settings = smard.Settings.from_env(env)
    assert [s.label for s in settings.series_specs()] == [
        "4067_DE_hour", "4067_TenneT_hour", "4068_DE_hour", "4068_TenneT_hour", "4169_DE-LU_hour",
        "4169_DE-LU_quarterhour"]
    assert settings.lookback == timedelta(hours=6) and settings.expected_absent == frozenset({(4067, "DE")})


def test_plan_lists_the_configured_series_as_values_without_a_request() -> None:
    """The plan task (``list_series``) with plain values: one item per region with its configured series, plain
    dicts the mapped task turns back into ``SeriesSpec``s and the UI shows by label; SMARD is not asked."""
    settings = smard.Settings.from_env(Environment({"SMARD_SERIES": "4067,4169@DE-LU", "SMARD_REGIONS": "DE"}))
    session = FakeSession({})
    items = smard.plan(session, Endpoint("smard", "https://mirror.example/app"), settings)
    assert [smard.series_label(item) for item in items] == ["DE (1 series)", "DE-LU (2 series)"]
    assert [[smard.SeriesSpec.from_dict(series).label for series in item["series"]] for item in items] == [
        ["4067_DE_quarterhour"], ["4169_DE-LU_hour", "4169_DE-LU_quarterhour"]]
    assert json.loads(json.dumps(items)) == items  # an XCom: JSON only
    assert session.requests == []


@pytest.mark.parametrize(("name", "value", "fragment"), [
    ("SMARD_SERIES", "4076", "not in the catalogue"),
    ("SMARD_SERIES", "wind", "expected a filter id"),
    ("SMARD_RESOLUTION", "minute", "allowed are"),
    ("SMARD_LOOKBACK_HOURS", "-1", "SMARD_LOOKBACK_HOURS=-1 must be >= 0"),
    ("SMARD_EXPECTED_ABSENT", "1225", "expected id@REGION"),
])
def test_bad_configuration_fails_clearly(name: str, value: str, fragment: str) -> None:
    """A typo in the configuration fails the first task with a message naming the variable."""
    with pytest.raises(ValueError, match=fragment):
        smard.Settings.from_env(Environment({name: value}))
