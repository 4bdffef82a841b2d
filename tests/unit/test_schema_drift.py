"""Schema drift is an error (issue 12): every bad input below is a real recorded payload (read in place from
``../shared/fixtures``) with one mutation, and must fail with ``MalformedPayloadError`` naming source, URL and
window plus the field or row at fault, so nothing of it is returned to be loaded. Before, each of them was
parsed "successfully" and loaded: renamed fields as NULL over published values, NaN/Infinity/1e300 as numbers,
the last of two conflicting rows silently winning. The shared rules live in ``gridcarbon.sources.validation``.

CAISO ``fuelsource.csv`` and SPP's gen-mix CSV have no real recording: those inputs are built by the replay
generators in the documented real layout (as in ``test_caiso.py``/``test_spp.py``), then mutated.

==============================================  ========================================================================
input: a real recorded payload + one mutation   what the user sees: MalformedPayloadError "<message> (source=... url=...
                                                interval=[start, end))"; nothing is returned to be loaded
==============================================  ========================================================================
EIA fuel-type PACW 2024-01-01: a row's          ``row '2024-01-01T00' of 'PACW' has no 'value' field (renamed or
``value`` renamed ``val``                       dropped?); fields present: [...]``; the same row with ``"value": null``
                                                -> NULL
EIA: a value ``"1e300"``                        ``value 1E+300 is out of range (|value| >= 1e+09: ...) (sent as
                                                '1e300')`` (NaN/Infinity were already refused; now by the same shared
                                                rule)
EIA: a row repeated with another value          ``response.data: PACW OTH 2023-12-31T23:00:00+00:00 appears twice with
                                                different values: 49 and 50``; an exact repeat collapses to one record
Tibber SEK 2023-04-10: ``consumption`` renamed  ``consumption node 0 of home h1: node from 2023-04-10T00:00:00.000+02:00
``consumptionKwh``                              has no 'consumption' field (renamed or dropped?)``; ``consumption:
                                                null`` -> NULL
Tibber: ``consumption`` as JSON token NaN,      ``consumption node 1 of home h1: consumption NaN is not a finite
Infinity, -Infinity, or 1e300                   number`` / ``... consumption 1E+300 is out of range``
Tibber: an hour sent twice, other kWh           ``home h1: consumption node from 2023-04-09T22:00:00+00:00 (to,
                                                consumption, ...) appears twice with different values: (..., 3.229, ...)
                                                and (..., 9.999, ...)``; an exact repeat collapses
Tibber priceInfo: ``total`` NaN token, or       ``priceInfo.today of home h1: total NaN is not a finite number`` /
``total`` renamed ``price``                     ``price startsAt 2023-04-10T03:00:00.000+02:00 has no 'total' field``
SMARD 4067 DE week 2025-06-15: a value NaN,     ``4067/DE/quarterhour: series[2] at 2025-06-15T22:30:00+00:00: value nan
Infinity, -Infinity or 1e300 (JSON tokens)      is not a finite number`` / ``... value 1e+300 is out of range``
SMARD: a point repeated with another value      ``duplicate timestamp 1750025700000 (2025-06-15T22:15:00+00:00) with
                                                different values: 3222.0 and 9999.0``; an exact repeat collapses (it
                                                used to fail)
CAISO Renewables Watch 2017-03-12: hour-ending  ``Daily Renewables Watch GEOTHERMAL at hour-ending 5 appears twice with
5 repeated with GEOTHERMAL 999                  different values: 937.0 and 999.0``
CAISO Renewables Watch: a cell ``NaN``          ``... GEOTHERMAL at hour-ending 4 nan is not a finite number (sent as
                                                'NaN')``
CAISO Renewables Watch: BIOGAS column gone      ``Daily Renewables Watch report lost column(s) ['BIOGAS']: expected
                                                [...], found [...]``
CAISO fuelsource.csv: Batteries column gone     ``fuelsource.csv: header lost column(s) ['Batteries']: expected [...],
                                                found [...]``
CAISO fuelsource.csv: the 10:00 row twice,      ``fuelsource.csv: Natural Gas at 2024-07-01T17:00:00+00:00 appears twice
other Natural Gas MW                            with different values: 9374.0 and 9497.0``; an identical row collapses
CAISO fuelsource.csv: a cell ``NaN``, ``inf``,  ``fuelsource.csv Natural Gas at 10:00 nan is not a finite number (sent
``-inf`` or ``1e300``                           as 'NaN')`` / ``... 1e+300 is out of range ... (sent as '1e300')``
CAISO fuelsource.csv: a row lost its last cell  ``fuelsource.csv row 10:00 has 12 values for the 13 columns [...]``
MISO 2018-01-25: ``ACT`` renamed ``ACTUAL``,    ``Fuel.Type item 'Coal' at 2018-01-25T09:30:00+00:00 has no 'ACT'
or ``ACT`` ``"1e300"``                          field`` / ``ACT 1E+300 is out of range ... (sent as '1e300')``
MISO: Coal twice, other MW                      ``Fuel.Type: Coal at 2018-01-25T09:30:00+00:00 appears twice with
                                                different values: 40384 and 1``; an exact repeat collapses (it used to
                                                fail)
PJM 2025-02-09: ``mw`` renamed ``MW``; Coal     ``item 'Coal' at 2025-02-09T00:00:00+00:00 has no 'mw' field`` /
00:00 repeated with 1 MW; ``mw`` 1e300          ``items: Coal at 2025-02-09T00:00:00+00:00 appears twice with different
                                                values: 16908.0 and 1.0`` / ``mw 1E+300 is out of range``
NYISO 2025-02-01: Gen MW ``NaN`` or ``inf``;    ``rtfuelmix line 2 [...]: Gen MW of Dual Fuel nan is not a finite
Dual Fuel 00:05 repeated with 1 MW              number`` / ``rtfuelmix Gen MW: Dual Fuel at 2025-02-01T05:00:00+00:00
                                                appears twice with different values: 4613.0 and 1.0``
ISO-NE 2024-11-03: ``GenMw`` renamed; NaN       ``GenFuelMix element 'Hydro' at 2024-11-03T00:08:35.000-04:00 has no
token; 1e300; Hydro repeated with 999 MW        'GenMw' field`` / ``GenMw nan is not a finite number`` / ``GenMw of
                                                Hydro at 2024-11-03T04:08:35+00:00 appears twice with different values:
                                                252.0 and 999.0``; an exact repeat collapses (it used to fail)
BPA 2014-04-15: Wind ``NaN``; the 10:10 row     ``baltwg.txt row [...]: Wind nan is not a finite number`` /
repeated with Wind 1; a row lost its last cell  ``baltwg.txt: Wind at 2014-04-15T17:10:00+00:00 appears twice with
                                                different values: 3732.0 and 1.0`` / ``... 3 values for the 4 columns
                                                ['Load', 'Wind', 'Hydro', 'Thermal']``
ERCOT 2025-10-08: ``gen`` renamed; gen 1e300;   ``data['2025-10-08']['2025-10-08 00:04:56-0500']['Coal and Lignite'] has
the first stamp repeated with other values      no 'gen' field`` / ``gen 1E+300 is out of range`` / ``Coal and Lignite
                                                at 2025-10-08T00:04:56-05:00 appears twice with different values:
                                                10519.1865234375 and 1.5``; a verbatim repeat collapses
SPP (generated layout): Wind Self column gone;  ``gen-mix CSV: header lost column(s) ['Wind Self']: expected [...],
a time row repeated with other MW; a ``NaN``    found [...]`` / ``Coal Market at ... appears twice with different
                                                values`` / ``gen-mix CSV line 2 [...]: Coal Market nan is not a finite
                                                number``
netztransparenz redispatch 2024: first row's    ``redispatch CSV line 2: GESAMTE_ARBEIT_MWH NaN is not a finite number;
GESAMTE_ARBEIT_MWH ``NaN``, ``inf``, ``1e300``  line: '...'`` / ``... 1E+300 is out of range``
==============================================  ========================================================================

Already rejected before and unchanged (covered elsewhere): SMARD ``series`` entries that are not ``[ms, value]``
pairs or a missing ``series`` (``test_smard_parse.py``), a netztransparenz CSV without one of its columns
(``redispatch CSV lacks columns``), a NYISO file without ``Gen MW``/``Gen MWh``, PJM/MISO/ERCOT NaN tokens
(``parse_mw``). Redispatch rows sharing a natural key are legitimate (the published file repeats measures with
different energy; see ``netztransparenz``) and are not an error.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window
from gridcarbon.replay import caiso as caiso_replay
from gridcarbon.replay import spp as spp_replay
from gridcarbon.sources import bpa, caiso, eia, ercot, isone, miso, netztransparenz, nyiso, pjm, smard, spp, tibber
from tests.conftest import fixture_path

NON_FINITE = [float("nan"), float("inf"), float("-inf"), 1e300]


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _raises(source: str, url: str, start: datetime, call: Any, /, *args: Any, **kwargs: Any) -> str:
    """Call the parser; it must raise MalformedPayloadError naming source, URL and window start. The message."""
    with pytest.raises(MalformedPayloadError) as info:
        call(*args, **kwargs)
    text = str(info.value)
    assert f"source={source}" in text, text
    assert f"url={url}" in text, text
    assert f"interval=[{start.isoformat()}" in text, text
    return text


# --- EIA ------------------------------------------------------------------------------------------------------
EIA_FUEL = "eia/eia_fuel-type-data_PACW_hourly_2024-01-01_2024-01-02.json"
EIA_URL = "https://api.eia.gov/v2/electricity/rto/fuel-type-data/data/"
EIA_HOURS = Window(_utc(2024, 1, 1), _utc(2024, 1, 2))


def _eia() -> dict[str, Any]:
    return json.loads(fixture_path(EIA_FUEL).read_text())


def _eia_row(payload: dict[str, Any], fueltype: str = "OTH") -> dict[str, Any]:
    return next(r for r in payload["response"]["data"] if r["period"] == "2024-01-01T00" and r["fueltype"] == fueltype)


def test_eia_renamed_value_field_is_an_error_but_null_stays_null() -> None:
    """PACW OTH at 2024-01-01T00 (49 MWh): ``"value": null`` is "not published" (NULL); the same row with the
    field renamed ``val`` used to be stored as NULL over the published 49 -> now a named error."""
    payload = _eia()
    _eia_row(payload)["value"] = None
    nulls = [r for r in eia.parse_fuel_type_data(payload) if r.value_mwh is None]
    assert [(r.fueltype, r.interval_start_utc) for r in nulls] == [("OTH", _utc(2023, 12, 31, 23))]

    payload = _eia()
    row = _eia_row(payload)
    row["val"] = row.pop("value")
    text = _raises("eia", EIA_URL, EIA_HOURS.start, eia.parse_fuel_type_data, payload, url=EIA_URL, window=EIA_HOURS)
    assert "row '2024-01-01T00' of 'PACW' has no 'value' field" in text


def test_eia_absurd_value_is_rejected_by_the_shared_rule() -> None:
    """1e300 MWh was stored (NaN/Infinity were already refused); the shared bound 1e9 refuses it by name."""
    payload = _eia()
    _eia_row(payload)["value"] = "1e300"
    text = _raises("eia", EIA_URL, EIA_HOURS.start, eia.parse_fuel_type_data, payload, url=EIA_URL, window=EIA_HOURS)
    assert "value 1E+300 is out of range" in text and "sent as '1e300'" in text


def test_eia_row_repeated_with_another_value_is_an_error_exact_repeat_collapses() -> None:
    """One answer holding PACW OTH 2024-01-01T00 twice (49 and 50 MWh) names the hour and both values; the same
    row twice with the same value is one record."""
    payload = _eia()
    rows = payload["response"]["data"]
    rows.append(dict(_eia_row(payload)))
    assert len(eia.parse_fuel_type_data(payload)) == len(rows) - 1
    rows[-1]["value"] = "50"
    text = _raises("eia", EIA_URL, EIA_HOURS.start, eia.parse_fuel_type_data, payload, url=EIA_URL, window=EIA_HOURS)
    assert "PACW OTH 2023-12-31T23:00:00+00:00 appears twice with different values: 49 and 50" in text


# --- Tibber ---------------------------------------------------------------------------------------------------
TIBBER_SEK = "tibber/tibber_gql_consumption_priceinfo_2023-04-10_SEK.json"
TIBBER_URL = "https://api.tibber.com/v1-beta/gql"
TIBBER_WINDOW = Window(_utc(2023, 4, 9, 22), _utc(2023, 4, 10, 22))


def _tibber_home() -> dict[str, Any]:
    return json.loads(fixture_path(TIBBER_SEK).read_text())["data"]["viewer"]["homes"][0]


def _consumption_page(nodes: list[dict[str, Any]]) -> Any:
    """The recorded nodes as a wire-format answer to ``consumption_query`` (``json.dumps`` writes NaN/Infinity
    tokens for non-finite floats, as a broken upstream would), read back as the client reads it."""
    text = json.dumps({"data": {"viewer": {"home": {"id": "h1", "consumption": {
        "pageInfo": {"endCursor": None, "hasNextPage": False}, "nodes": nodes}}}}})
    return tibber.loads(text)


def _parse_page(payload: Any) -> list[tibber.ConsumptionRecord]:
    records, _ = tibber.parse_consumption_page(payload, home_id="h1", resolution="HOURLY", currency="SEK",
                                              url=TIBBER_URL, window=TIBBER_WINDOW)
    return records


def test_tibber_renamed_consumption_field_is_an_error_but_null_stays_null() -> None:
    """``consumption: null`` stays NULL (not metered yet); ``consumptionKwh`` instead of ``consumption`` used to
    overwrite the metered 3.229 kWh with NULL -> now a named error naming the node."""
    nodes = _tibber_home()["hourly"]["nodes"]
    nodes[0]["consumption"] = None
    assert _parse_page(_consumption_page(nodes))[0].consumption_kwh is None

    nodes = _tibber_home()["hourly"]["nodes"]
    nodes[0]["consumptionKwh"] = nodes[0].pop("consumption")
    text = _raises("tibber", TIBBER_URL, TIBBER_WINDOW.start, _parse_page, _consumption_page(nodes))
    assert "consumption node 0 of home h1: node from 2023-04-10T00:00:00.000+02:00 has no 'consumption' field" in text


@pytest.mark.parametrize("bad", NON_FINITE, ids=["NaN", "Infinity", "-Infinity", "1e300"])
def test_tibber_non_finite_consumption_token_is_an_error(bad: float) -> None:
    """The JSON tokens NaN/Infinity (which Python's json accepts) and 1e300 were stored as kWh."""
    nodes = _tibber_home()["hourly"]["nodes"]
    nodes[1]["consumption"] = bad
    text = _raises("tibber", TIBBER_URL, TIBBER_WINDOW.start, _parse_page, _consumption_page(nodes))
    assert "consumption node 1 of home h1: consumption" in text
    assert ("not a finite number" in text) if bad != 1e300 else ("out of range" in text)


def test_tibber_hour_sent_twice_with_another_consumption_is_an_error() -> None:
    """The first SEK hour (22:00 UTC, 3.229 kWh) sent again with 9.999 kWh in the same page: named, with both
    values; the exact same node twice collapses to one record."""
    nodes = _tibber_home()["hourly"]["nodes"]
    assert len(_parse_page(_consumption_page([*nodes, dict(nodes[0])]))) == len(nodes)
    text = _raises("tibber", TIBBER_URL, TIBBER_WINDOW.start, _parse_page,
                   _consumption_page([*nodes, dict(nodes[0], consumption=9.999)]))
    assert "consumption node from 2023-04-09T22:00:00+00:00" in text
    assert "appears twice with different values" in text and "3.229" in text and "9.999" in text


@pytest.mark.parametrize("mutation", ["nan_token", "renamed"])
def test_tibber_price_total_nan_or_renamed_is_an_error(mutation: str) -> None:
    """A price ``total`` as the NaN token was stored; a ``total`` renamed ``price`` was stored as NULL."""
    info = _tibber_home()["currentSubscription"]["priceInfo"]
    if mutation == "nan_token":
        info["today"][3]["total"] = float("nan")
    else:
        info["today"][3]["price"] = info["today"][3].pop("total")
    payload = tibber.loads(json.dumps(info))
    text = _raises("tibber", TIBBER_URL, TIBBER_WINDOW.start, tibber.parse_price_info, payload, home_id="h1",
                   url=TIBBER_URL, window=TIBBER_WINDOW)
    assert "priceInfo.today of home h1" in text
    assert ("total NaN is not a finite number" in text) if mutation == "nan_token" else ("no 'total' field" in text)


# --- SMARD ----------------------------------------------------------------------------------------------------
SMARD_WIND = "smard/4067_DE_quarterhour_1750024800000__created20250622T1937Z.json"
SMARD_URL = "https://www.smard.de/app/chart_data/4067/DE/4067_DE_quarterhour_1750024800000.json"
SMARD_WEEK = Window(_utc(2025, 6, 15, 22), _utc(2025, 6, 22, 22))


def _smard(mutate: Any) -> bytes:
    data = json.loads(fixture_path(SMARD_WIND).read_text())
    mutate(data["series"])
    return json.dumps(data, separators=(",", ":")).encode()  # the compact wire format, NaN/Infinity as tokens


def _parse_smard(payload: bytes) -> list[smard.ChartValue]:
    return smard.parse_chart_data(payload, filter_id=4067, region="DE", resolution="quarterhour", url=SMARD_URL,
                                  window=SMARD_WEEK)


@pytest.mark.parametrize("bad", NON_FINITE, ids=["NaN", "Infinity", "-Infinity", "1e300"])
def test_smard_non_finite_value_token_is_an_error(bad: float) -> None:
    """Wind onshore at 2025-06-15T22:30Z (3208.75 MWh) sent as NaN/Infinity/-Infinity/1e300 was stored."""
    def mutate(series: list[list[Any]]) -> None:
        series[2][1] = bad

    text = _raises("smard", SMARD_URL, SMARD_WEEK.start, _parse_smard, _smard(mutate))
    assert "series[2] at 2025-06-15T22:30:00+00:00: value" in text
    assert ("not a finite number" in text) if bad != 1e300 else ("out of range" in text)


def test_smard_duplicate_timestamp_names_both_values_exact_repeat_collapses() -> None:
    """22:15Z repeated with 9999.0 names both values (it used to name the timestamp only); an exact repeat of
    the point collapses instead of failing the series."""
    def exact(series: list[list[Any]]) -> None:
        series.insert(2, list(series[1]))

    assert len(_parse_smard(_smard(exact))) == 672

    def conflicting(series: list[list[Any]]) -> None:
        series.insert(2, [series[1][0], 9999.0])

    text = _raises("smard", SMARD_URL, SMARD_WEEK.start, _parse_smard, _smard(conflicting))
    assert "duplicate timestamp 1750025700000 (2025-06-15T22:15:00+00:00) with different values: 3222.0 and 9999.0" \
        in text


# --- CAISO ----------------------------------------------------------------------------------------------------
DRW_DAY = date(2017, 3, 12)
DRW_URL = "http://content.caiso.com/green/renewrpt/20170312_DailyRenewablesWatch.txt"
DRW_START = _utc(2017, 3, 12, 8)


def _drw_rows() -> list[list[str]]:
    text = fixture_path("caiso/caiso_20170312_DailyRenewablesWatch.txt").read_text()
    return list(csv.reader(io.StringIO(text), delimiter="\t"))


def _drw_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter="\t", lineterminator="\n").writerows(rows)
    return out.getvalue()


def _drw_hour(rows: list[list[str]], hour: int) -> int:
    """Index of the first table's row for hour-ending ``hour``."""
    return next(i for i, r in enumerate(rows) if len(r) > 1 and r[1] == str(hour))


def _set_cell(row: list[str], position: int, value: str) -> list[str]:
    """``row`` with its ``position``-th non-empty cell (0 = the hour) replaced by ``value``."""
    filled = [i for i, c in enumerate(row) if c.strip()]
    row = list(row)
    row[filled[position]] = value
    return row


def test_caiso_drw_hour_repeated_with_other_values_is_an_error() -> None:
    """The real 2017-03-12 report with hour-ending 5 (GEOTHERMAL 937 MW) repeated as 999 MW: the last no longer
    silently wins."""
    rows = _drw_rows()
    at = _drw_hour(rows, 5)
    rows.insert(at + 1, _set_cell(rows[at], 1, "999"))
    text = _raises("caiso", DRW_URL, DRW_START, caiso.parse_renewables_watch, _drw_text(rows), DRW_DAY, url=DRW_URL)
    assert "GEOTHERMAL at hour-ending 5 appears twice with different values: 937.0 and 999.0" in text


def test_caiso_drw_nan_cell_is_an_error() -> None:
    """GEOTHERMAL of hour-ending 4 printed as NaN was stored as a NaN MW figure."""
    rows = _drw_rows()
    at = _drw_hour(rows, 4)
    rows[at] = _set_cell(rows[at], 1, "NaN")
    text = _raises("caiso", DRW_URL, DRW_START, caiso.parse_renewables_watch, _drw_text(rows), DRW_DAY, url=DRW_URL)
    assert "GEOTHERMAL at hour-ending 4 nan is not a finite number (sent as 'NaN')" in text


def test_caiso_drw_lost_column_lists_expected_and_found() -> None:
    """The report without its BIOGAS column (header and every row of the first table) parsed without BIOGAS."""
    rows = _drw_rows()
    header = next(i for i, r in enumerate(rows) if "BIOGAS" in r)
    second = next(i for i, r in enumerate(rows) if "RENEWABLES" in r)
    for i in range(header, second):
        if len([c for c in rows[i] if c.strip()]) > 3:
            filled = [j for j, c in enumerate(rows[i]) if c.strip()]
            del rows[i][filled[3]]  # Hour/hour, GEOTHERMAL, BIOMASS, BIOGAS
    text = _raises("caiso", DRW_URL, DRW_START, caiso.parse_renewables_watch, _drw_text(rows), DRW_DAY, url=DRW_URL)
    assert "Daily Renewables Watch report lost column(s) ['BIOGAS']: expected [" in text
    assert "found ['GEOTHERMAL', 'BIOMASS', 'SMALL HYDRO'" in text


FS_DAY = date(2024, 7, 1)
FS_URL = "https://www.caiso.com/outlook/history/20240701/fuelsource.csv"
FS_START = _utc(2024, 7, 1, 7)


def _fuelsource_rows() -> list[list[str]]:
    """A whole day's file in the documented real layout (all rows published)."""
    text = caiso_replay.fuelsource_csv(FS_DAY, now=_utc(2030, 1, 1))
    return [r for r in csv.reader(io.StringIO(text)) if r]


def _csv(rows: list[list[str]], terminator: str = "\r\n") -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=terminator).writerows(rows)
    return out.getvalue()


def _fs_row(rows: list[list[str]], clock: str) -> int:
    return next(i for i, r in enumerate(rows) if r[0] == clock)


def test_caiso_fuelsource_lost_column_lists_expected_and_found() -> None:
    """fuelsource.csv without its Batteries column used to load the day without batteries."""
    rows = _fuelsource_rows()
    drop = rows[0].index("Batteries")
    rows = [r[:drop] + r[drop + 1:] for r in rows]
    text = _raises("caiso", FS_URL, FS_START, caiso.parse_fuelsource_csv, _csv(rows), FS_DAY, url=FS_URL)
    assert "fuelsource.csv: header lost column(s) ['Batteries']: expected ['Solar', 'Wind'" in text
    assert "found ['Solar', 'Wind', 'Geothermal', 'Biomass', 'Biogas', 'Small hydro', 'Coal', 'Nuclear', " \
           "'Natural Gas', 'Large Hydro', 'Imports', 'Other']" in text


def test_caiso_fuelsource_time_row_twice_with_other_mw_is_an_error() -> None:
    """The 10:00 PDT row (17:00 UTC) repeated with another Natural Gas MW: named with both values, not "last
    wins"; the identical row twice collapses."""
    rows = _fuelsource_rows()
    at = _fs_row(rows, "10:00")
    gas = rows[0].index("Natural Gas")
    exact = caiso.parse_fuelsource_csv(_csv([*rows[:at + 1], rows[at], *rows[at + 1:]]), FS_DAY, url=FS_URL)
    assert len(exact) == len(caiso.parse_fuelsource_csv(_csv(rows), FS_DAY, url=FS_URL))
    changed = list(rows[at])
    changed[gas] = str(int(changed[gas]) + 123)
    text = _raises("caiso", FS_URL, FS_START, caiso.parse_fuelsource_csv,
                   _csv([*rows[:at + 1], changed, *rows[at + 1:]]), FS_DAY, url=FS_URL)
    assert (f"Natural Gas at 2024-07-01T17:00:00+00:00 appears twice with different values: "
            f"{float(rows[at][gas])} and {float(changed[gas])}") in text


@pytest.mark.parametrize("cell", ["NaN", "inf", "-inf", "1e300"])
def test_caiso_fuelsource_non_finite_cell_is_an_error(cell: str) -> None:
    """A Natural Gas cell ``NaN``/``inf``/``-inf``/``1e300`` at 10:00 was stored as MW."""
    rows = _fuelsource_rows()
    at = _fs_row(rows, "10:00")
    rows[at][rows[0].index("Natural Gas")] = cell
    text = _raises("caiso", FS_URL, FS_START, caiso.parse_fuelsource_csv, _csv(rows), FS_DAY, url=FS_URL)
    assert "fuelsource.csv Natural Gas at 10:00 " in text and f"(sent as '{cell}')" in text


def test_caiso_fuelsource_row_that_lost_a_cell_is_an_error() -> None:
    """A published row with one cell fewer than the header (Other's value gone) used to drop Other silently."""
    rows = _fuelsource_rows()
    at = _fs_row(rows, "10:00")
    rows[at] = rows[at][:-1]
    text = _raises("caiso", FS_URL, FS_START, caiso.parse_fuelsource_csv, _csv(rows), FS_DAY, url=FS_URL)
    assert "fuelsource.csv row 10:00 has 12 values for the 13 columns" in text


# --- MISO -----------------------------------------------------------------------------------------------------
MISO_URL = "https://api.misoenergy.org/MISORTWDDataBroker/DataBrokerServices.asmx"
MISO_WINDOW = Window(_utc(2018, 1, 25, 9, 30), _utc(2018, 1, 25, 9, 35))


def _miso() -> dict[str, Any]:
    return json.loads(fixture_path("miso/miso_getfuelmix_2018-01-25T0430EST.json").read_text())


def _parse_miso(payload: dict[str, Any]) -> list[Any]:
    return miso.parse_fuel_mix(json.loads(json.dumps(payload)), url=MISO_URL, window=MISO_WINDOW)


@pytest.mark.parametrize("mutation", ["renamed", "1e300"])
def test_miso_renamed_or_absurd_act_is_an_error(mutation: str) -> None:
    """Coal's ``ACT`` (40384 MW) renamed ``ACTUAL`` was stored as NULL; ``"1e300"`` was stored as MW."""
    payload = _miso()
    coal = payload["Fuel"]["Type"][0]
    if mutation == "renamed":
        coal["ACTUAL"] = coal.pop("ACT")
    else:
        coal["ACT"] = "1e300"
    text = _raises("miso", MISO_URL, MISO_WINDOW.start, _parse_miso, payload)
    assert ("Fuel.Type item 'Coal' at 2018-01-25T09:30:00+00:00 has no 'ACT' field" in text) if mutation == "renamed" \
        else ("ACT 1E+300 is out of range" in text)


def test_miso_category_twice_names_both_values_exact_repeat_collapses() -> None:
    """Coal twice in one snapshot: with 40384 and 1 MW both values are named; the identical item twice now
    collapses (it used to fail the snapshot)."""
    payload = _miso()
    types = payload["Fuel"]["Type"]
    types.append(dict(types[0]))
    assert len(_parse_miso(payload)) == len(types) - 1
    types[-1]["ACT"] = "1"
    text = _raises("miso", MISO_URL, MISO_WINDOW.start, _parse_miso, payload)
    assert "Coal at 2018-01-25T09:30:00+00:00 appears twice with different values: 40384 and 1" in text


# --- PJM ------------------------------------------------------------------------------------------------------
PJM_URL = "https://api.pjm.com/api/v1/gen_by_fuel"
PJM_HOURS = Window(_utc(2025, 2, 9), _utc(2025, 2, 10))


def _pjm() -> dict[str, Any]:
    return json.loads(fixture_path("pjm/pjm_gen_by_fuel_utc_2025-02-09.json").read_text())


@pytest.mark.parametrize("mutation", ["renamed", "duplicate", "1e300"])
def test_pjm_renamed_duplicate_or_absurd_mw_is_an_error(mutation: str) -> None:
    """Coal at 2025-02-09T00:00 (16908 MW): ``mw`` renamed ``MW`` was NULL; the item repeated with 1 MW reached
    the database as a duplicate key; 1e300 MW was stored."""
    payload = _pjm()
    coal = payload["items"][0]
    assert (coal["fuel_type"], coal["mw"]) == ("Coal", 16908.0)
    if mutation == "renamed":
        coal["MW"] = coal.pop("mw")
        expected = "item 'Coal' at 2025-02-09T00:00:00+00:00 has no 'mw' field"
    elif mutation == "duplicate":
        payload["items"].append(dict(coal, mw=1.0))
        expected = "Coal at 2025-02-09T00:00:00+00:00 appears twice with different values: 16908.0 and 1.0"
    else:
        coal["mw"] = 1e300
        expected = "mw 1E+300 is out of range"
    text = _raises("pjm", PJM_URL, PJM_HOURS.start, pjm.parse_gen_by_fuel, json.loads(json.dumps(payload)),
                   url=PJM_URL, window=PJM_HOURS)
    assert expected in text


# --- NYISO ----------------------------------------------------------------------------------------------------
NYISO_URL = "http://mis.nyiso.com/public/csv/rtfuelmix/20250201rtfuelmix.csv"
NYISO_DAY = (_utc(2025, 2, 1, 5), _utc(2025, 2, 2, 5))


def _nyiso_lines() -> list[str]:
    return fixture_path("nyiso/nyiso_20250201rtfuelmix.csv").read_text().splitlines()


@pytest.mark.parametrize("cell", ["NaN", "inf"])
def test_nyiso_non_finite_gen_mw_is_an_error(cell: str) -> None:
    """Dual Fuel at 00:05 EST (4613 MW) written as NaN/inf was stored."""
    lines = _nyiso_lines()
    assert lines[1] == "02/01/2025 00:05:00,EST,Dual Fuel,4613.0"
    lines[1] = f"02/01/2025 00:05:00,EST,Dual Fuel,{cell}"
    text = _raises("nyiso", NYISO_URL, NYISO_DAY[0], nyiso.parse_rtfuelmix_csv, "\n".join(lines), url=NYISO_URL,
                   start=NYISO_DAY[0], end=NYISO_DAY[1])
    assert "rtfuelmix line 2" in text and "Gen MW of Dual Fuel" in text and "is not a finite number" in text


def test_nyiso_row_repeated_with_other_mw_is_an_error() -> None:
    """Dual Fuel at 00:05 EST twice (4613 and 1 MW): the later file row used to win silently."""
    lines = _nyiso_lines()
    lines.insert(2, "02/01/2025 00:05:00,EST,Dual Fuel,1.0")
    text = _raises("nyiso", NYISO_URL, NYISO_DAY[0], nyiso.parse_rtfuelmix_csv, "\n".join(lines), url=NYISO_URL,
                   start=NYISO_DAY[0], end=NYISO_DAY[1])
    assert "Dual Fuel at 2025-02-01T05:00:00+00:00 appears twice with different values: 4613.0 and 1.0" in text


# --- ISO-NE ---------------------------------------------------------------------------------------------------
ISONE_URL = "https://webservices.iso-ne.com/api/v1.1/genfuelmix/day/20241103"
ISONE_DAY = (_utc(2024, 11, 3, 4), _utc(2024, 11, 4, 5))


def _isone_text() -> str:
    return fixture_path("isone/isone_genfuelmix_day_20241103.json").read_text()


FIRST_HYDRO = '{"BeginDate":"2024-11-03T00:08:35.000-04:00","GenMw":252,'


@pytest.mark.parametrize(("replacement", "expected"), [
    ('{"BeginDate":"2024-11-03T00:08:35.000-04:00","GenMW":252,', "has no 'GenMw' field"),
    ('{"BeginDate":"2024-11-03T00:08:35.000-04:00","GenMw":NaN,', "GenMw nan is not a finite number"),
    ('{"BeginDate":"2024-11-03T00:08:35.000-04:00","GenMw":1e300,', "GenMw 1e+300 is out of range"),
], ids=["renamed", "NaN", "1e300"])
def test_isone_renamed_or_non_finite_genmw_is_an_error(replacement: str, expected: str) -> None:
    """Hydro at 00:08:35 EDT (252 MW) with ``GenMw`` renamed was NULL; as the NaN token or 1e300 it was stored."""
    text = _isone_text()
    assert text.count(FIRST_HYDRO) == 1
    payload = json.loads(text.replace(FIRST_HYDRO, replacement))
    message = _raises("isone", ISONE_URL, ISONE_DAY[0], isone.parse_genfuelmix, payload, url=ISONE_URL,
                      start=ISONE_DAY[0], end=ISONE_DAY[1])
    assert expected in message


def test_isone_category_twice_names_both_values() -> None:
    """Hydro at 00:08:35 EDT twice (252 and 999 MW) names both values; an exact repeat collapses."""
    payload = json.loads(_isone_text())
    items = payload["GenFuelMixes"]["GenFuelMix"]
    items.append(dict(items[0]))
    assert len(isone.parse_genfuelmix(payload)) == len(items) - 1
    items[-1]["GenMw"] = 999
    text = _raises("isone", ISONE_URL, ISONE_DAY[0], isone.parse_genfuelmix, payload, url=ISONE_URL,
                   start=ISONE_DAY[0], end=ISONE_DAY[1])
    assert "GenMw of Hydro at 2024-11-03T04:08:35+00:00 appears twice with different values: 252.0 and 999.0" in text


# --- BPA ------------------------------------------------------------------------------------------------------
BPA_URL = "https://transmission.bpa.gov/business/operations/Wind/baltwg.txt"
BPA_WINDOW = (_utc(2014, 4, 15, 7), _utc(2014, 4, 16, 7))
BPA_FIRST = "04/15/2014 10:10\t6553\t3732\t11225\t1599"


@pytest.mark.parametrize(("replacement", "expected"), [
    ("04/15/2014 10:10\t6553\tNaN\t11225\t1599", "Wind nan is not a finite number"),
    (BPA_FIRST + "\n04/15/2014 10:10\t6553\t1\t11225\t1599",
     "Wind at 2014-04-15T17:10:00+00:00 appears twice with different values: 3732.0 and 1.0"),
    ("04/15/2014 10:10\t6553\t3732\t11225", "3 values for the 4 columns ['Load', 'Wind', 'Hydro', 'Thermal']"),
], ids=["NaN", "duplicate", "lost-cell"])
def test_bpa_nan_duplicate_or_short_row_is_an_error(replacement: str, expected: str) -> None:
    """The real 2014 excerpt with Wind NaN at 10:10, the 10:10 row repeated with Wind 1 MW, or the 10:10 row
    without its Thermal cell (stored as NULL before)."""
    text = fixture_path("bpa/bpa_baltwg_wind_tsv_2014-04-15.txt").read_text()
    assert text.count(BPA_FIRST) == 1
    message = _raises("bpa", BPA_URL, BPA_WINDOW[0], bpa.parse_baltwg, text.replace(BPA_FIRST, replacement),
                      url=BPA_URL, start=BPA_WINDOW[0], end=BPA_WINDOW[1])
    assert expected in message


# --- ERCOT ----------------------------------------------------------------------------------------------------
ERCOT_URL = "https://www.ercot.com/api/1/services/read/dashboards/fuel-mix.json"
ERCOT_WINDOW = Window(_utc(2025, 10, 8, 5), _utc(2025, 10, 9, 5))
ERCOT_STAMP = '"2025-10-08 00:04:56-0500": {'


def _ercot_text() -> str:
    return fixture_path("ercot/ercot_fuel-mix_2025-10-08.json").read_text()


def _ercot_first_stamp_block(text: str) -> tuple[int, int]:
    """Start and end offsets of the first stamp's ``"stamp": {...}`` member in the raw text."""
    start = text.index(ERCOT_STAMP)
    depth, i = 0, start + len(ERCOT_STAMP) - 1
    while True:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
        if depth == 0:
            return start, i


@pytest.mark.parametrize("mutation", ["renamed", "1e300"])
def test_ercot_renamed_or_absurd_gen_is_an_error(mutation: str) -> None:
    """Coal and Lignite at 00:04:56-0500 (10519.19 MW): ``gen`` renamed was NULL; 1e300 was stored."""
    text = _ercot_text()
    a, b = _ercot_first_stamp_block(text)
    block = text[a:b]
    coal = re.search(r'"gen": 10519\.1865234375', block)
    assert coal is not None
    if mutation == "renamed":
        text = text[:a] + block.replace('"gen": 10519.1865234375', '"generation": 10519.1865234375') + text[b:]
        expected = "[\'Coal and Lignite\'] has no 'gen' field"
    else:
        text = text[:a] + block.replace('"gen": 10519.1865234375', '"gen": 1e300') + text[b:]
        expected = "gen 1E+300 is out of range"
    message = _raises("ercot", ERCOT_URL, ERCOT_WINDOW.start, ercot.parse_fuel_mix, text, url=ERCOT_URL,
                      window=ERCOT_WINDOW)
    assert expected in message


def test_ercot_stamp_repeated_with_other_values_is_an_error_exact_repeat_collapses() -> None:
    """The first stamp repeated in the raw answer (duplicate JSON keys are kept) with Coal and Lignite at 1.5 MW
    instead of 10519.19 used to keep the later silently; repeated verbatim it is one interval, not an error."""
    text = _ercot_text()
    a, b = _ercot_first_stamp_block(text)
    records = ercot.parse_fuel_mix(text[:b] + ",\n" + text[a:b] + text[b:])
    assert len(records) == len(ercot.parse_fuel_mix(text))
    assert {r.generation_mw for r in records if r.source_label == "Coal and Lignite"
            and r.interval_start_utc == _utc(2025, 10, 8, 5)} == {Decimal("10519.1865234375")}
    again = text[a:b].replace('"gen": 10519.1865234375', '"gen": 1.5')
    message = _raises("ercot", ERCOT_URL, ERCOT_WINDOW.start, ercot.parse_fuel_mix, text[:b] + ",\n" + again + text[b:],
                      url=ERCOT_URL, window=ERCOT_WINDOW)
    assert ("Coal and Lignite at 2025-10-08T00:04:56-05:00 appears twice with different values: 10519.1865234375 "
            "and 1.5") in message


# --- SPP ------------------------------------------------------------------------------------------------------
SPP_URL = "https://marketplace.spp.org/chart-api/gen-mix/asFile"
SPP_NOW = _utc(2025, 3, 1, 12, 20)
SPP_WINDOW = (SPP_NOW - timedelta(hours=2), SPP_NOW)


def _spp_rows() -> list[list[str]]:
    return [r for r in csv.reader(io.StringIO(spp_replay.gen_mix_csv(SPP_NOW))) if r]


@pytest.mark.parametrize("mutation", ["lost-column", "duplicate", "NaN"])
def test_spp_lost_column_duplicate_row_or_nan_is_an_error(mutation: str) -> None:
    """The documented layout (generated: no recording exists) without ``Wind Self``, with its first time row
    repeated at another Coal Market MW, or with a NaN cell: each used to load."""
    rows = _spp_rows()
    coal = [h.strip() for h in rows[0]].index("Coal Market")
    if mutation == "lost-column":
        drop = [h.strip() for h in rows[0]].index("Wind Self")
        rows = [r[:drop] + r[drop + 1:] for r in rows]
        expected = "gen-mix CSV: header lost column(s) ['Wind Self']: expected ['GMTTime', 'Coal Market'"
    elif mutation == "duplicate":
        again = list(rows[1])
        again[coal] = "1.0"
        rows.insert(2, again)
        expected = f"Coal Market at {datetime.fromisoformat(rows[1][0]).isoformat()} appears twice with different " \
                   f"values: {float(rows[1][coal])} and 1.0"
    else:
        rows[1][coal] = "NaN"
        expected = "gen-mix CSV line 2"
    message = _raises("spp", SPP_URL, SPP_WINDOW[0], spp.parse_gen_mix_csv, _csv(rows, "\n"), url=SPP_URL,
                      start=SPP_WINDOW[0], end=SPP_WINDOW[1])
    assert expected in message
    if mutation == "NaN":
        assert "Coal Market nan is not a finite number" in message


# --- netztransparenz ------------------------------------------------------------------------------------------
NT_URL = "https://ds.netztransparenz.de/api/v1/data/redispatch/2024-01-01T00:00:00/2025-01-01T00:00:00"
NT_WINDOW = Window(_utc(2024, 1, 1), _utc(2025, 1, 1))


@pytest.mark.parametrize("cell", ["NaN", "inf", "1e300"])
def test_redispatch_non_finite_energy_is_an_error(cell: str) -> None:
    """The first measure of the real 2024 file (190 MWh) with GESAMTE_ARBEIT_MWH written as NaN/inf/1e300 was
    stored as a number."""
    text = fixture_path("netztransparenz/redispatch_2024.csv").read_text(encoding="utf-8-sig")
    first = ("31.12.2023;19:15;CET;01.01.2024;00:00;CET;Strombedingter Redispatch;Wirkleistungseinspeisung "
             "reduzieren;40;40;190;")
    assert text.count(first) == 1
    bad = text.replace(first, first.replace(";40;40;190;", f";40;40;{cell};"))
    message = _raises("netztransparenz", NT_URL, NT_WINDOW.start, netztransparenz.parse_redispatch_csv, bad,
                      url=NT_URL, window=NT_WINDOW)
    assert "redispatch CSV line 2: GESAMTE_ARBEIT_MWH" in message
    assert ("out of range" in message) if cell == "1e300" else ("is not a finite number" in message)
