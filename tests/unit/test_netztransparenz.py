"""Redispatch CSV and power plant list parsers on the real files (read in place from
../shared/fixtures/netztransparenz).

A user would otherwise see: redispatch measures an hour off (zone column ignored), DST-night measures with
the wrong duration, 1,637 "up" measures lost to an encoding accident, energy silently dropped where the
published file repeats a measure, or redispatched plants that cannot be mapped to a fuel.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

import pytest

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window
from gridcarbon.settings import Environment
from gridcarbon.sources import netztransparenz as nt
from gridcarbon.sources.contract import Fetched
from tests.conftest import fixture_path
from tests.unit.fake_http import FakeSession, endpoint

REDISPATCH_2024 = "netztransparenz/redispatch_2024.csv"


@lru_cache(maxsize=1)
def _measures_2024() -> tuple[nt.RedispatchMeasure, ...]:
    return tuple(nt.parse_redispatch_csv(fixture_path(REDISPATCH_2024).read_bytes()))


@pytest.fixture()
def measures() -> tuple[nt.RedispatchMeasure, ...]:
    fixture_path(REDISPATCH_2024)  # skip (or fail under CI) when absent
    return _measures_2024()


def test_every_published_row_becomes_one_measure_with_a_unique_id(measures) -> None:
    """All 17,312 published rows land, each with its own measure_id; no energy is dropped."""
    assert len(measures) == 17_312
    assert len({m.measure_id for m in measures}) == 17_312
    raw_total = Decimal(0)
    with fixture_path(REDISPATCH_2024).open(encoding="utf-8-sig") as fh:
        next(fh)
        for line in fh:
            raw_total += Decimal(line.rstrip("\r\n").split(";")[10].replace(",", "."))
    assert sum(m.total_mwh for m in measures) == raw_total


def test_documented_example_row_heilbronn(measures) -> None:
    """02.01.2024 09:00 CET Reservekraftwerk Heilbronn Block 6 -> start 08:00 UTC, end 13:30 UTC, up,
    35.79 MW mean, 85 MW max, 170 MWh, TransnetBW."""
    [m] = [m for m in measures if m.affected_plant == "Reservekraftwerk Heilbronn Block 6"
           and m.start_utc == datetime(2024, 1, 2, 8, tzinfo=UTC)]
    assert m.end_utc == datetime(2024, 1, 2, 13, 30, tzinfo=UTC)
    assert (m.mean_mw, m.max_mw, m.total_mwh) == (Decimal("35.79"), Decimal("85"), Decimal("170"))
    assert m.direction == "up" and m.direction_raw == "Wirkleistungseinspeisung erhöhen"
    assert (m.reason, m.instructing_tso, m.requesting_tso) == ("Probestart (NetzRes)", "TransnetBW", "TransnetBW")
    assert (m.zone_from, m.zone_to, m.primary_energy_class) == ("CET", "CET", "Konventionell")


def test_dst_crossing_rows_use_each_bound_zone(measures) -> None:
    """31.03.2024 00:00 CET -> 04:00 CEST lasts 3 h (not 4); 27.10.2024 00:00 CEST -> 08:30 CET lasts 9.5 h."""
    [spring] = [m for m in measures if m.affected_plant == "Irsching 5" and m.zone_from == "CET"
                and m.zone_to == "CEST" and m.start_utc == datetime(2024, 3, 30, 23, tzinfo=UTC)]
    assert spring.end_utc == datetime(2024, 3, 31, 2, tzinfo=UTC)
    autumn = [m for m in measures if m.zone_from == "CEST" and m.zone_to == "CET"
              and m.start_utc == datetime(2024, 10, 26, 22, tzinfo=UTC)]
    assert len(autumn) == 2
    assert {m.end_utc for m in autumn} == {datetime(2024, 10, 27, 7, 30, tzinfo=UTC)}
    assert {m.affected_plant for m in autumn} == {"Irsching 5", "Börse"}
    assert Counter((m.zone_from, m.zone_to) for m in measures)[("CET", "CEST")] == 10


def test_encoding_damaged_direction_counts_as_up(measures) -> None:
    """The 1,637 rows with `erh¿hen` are 'up' and keep their raw text; 9,723 'down', 7,589 'up' in total."""
    damaged = [m for m in measures if "¿" in m.direction_raw]
    assert len(damaged) == 1_637
    assert {m.direction for m in damaged} == {"up"}
    assert Counter(m.direction for m in measures) == {"down": 9_723, "up": 7_589}
    [weisweiler] = [m for m in damaged if m.affected_plant == "WEISWEILER_H"
                    and m.start_utc == datetime(2024, 5, 13, 22, tzinfo=UTC)]
    assert (weisweiler.total_mwh, weisweiler.end_utc) == (Decimal("427"), datetime(2024, 5, 14, 17, tzinfo=UTC))


def test_repeated_natural_keys_are_kept_with_a_sequence(measures) -> None:
    """The two OWP UW Büttel rows of 13.01.2024 share start, end, reason, direction, TSOs and plant but
    carry 17,923.75 and 7,264.25 MWh: both are kept, with different ids."""
    buettel = [m for m in measures if m.affected_plant == "OWP UW Büttel"
               and m.start_utc == datetime(2024, 1, 12, 23, tzinfo=UTC)
               and m.end_utc == datetime(2024, 1, 13, 23, tzinfo=UTC)]
    assert sorted(m.total_mwh for m in buettel) == [Decimal("7264.25"), Decimal("17923.75")]
    assert len({m.measure_id for m in buettel}) == 2
    copies = [m for m in measures if m.affected_plant == "50H UW Wustermark"
              and m.start_utc == datetime(2024, 3, 28, 9, tzinfo=UTC) and m.total_mwh == Decimal("14")]
    assert len(copies) >= 2 and len({m.measure_id for m in copies}) == len(copies)


def test_measure_ids_do_not_depend_on_row_order() -> None:
    """Reversing the rows (another answer order from the service) gives the same ids."""
    text = fixture_path(REDISPATCH_2024).read_text(encoding="utf-8-sig")
    header, *lines = text.splitlines()
    sample = [ln for ln in lines if ln.startswith("13.01.2024") or ln.startswith("28.03.2024")]
    forward = nt.parse_redispatch_csv("\n".join([header, *sample]))
    backward = nt.parse_redispatch_csv("\n".join([header, *reversed(sample)]))
    assert {m.measure_id: m.total_mwh for m in forward} == {m.measure_id: m.total_mwh for m in backward}


def test_german_decimals_and_24_00() -> None:
    """`1.437,5` is 1437.5, an empty number is NULL, `24:00` is the next midnight."""
    assert nt.german_decimal("1.437,5") == Decimal("1437.5")
    assert nt.german_decimal("19,5") == Decimal("19.5")
    assert nt.german_decimal("") is None
    assert nt.local_to_utc("31.12.2024", "24:00", "CET") == datetime(2024, 12, 31, 23, tzinfo=UTC)
    assert nt.local_to_utc("2024-07-01", "12:00", "UTC") == datetime(2024, 7, 1, 12, tzinfo=UTC)


def test_malformed_rows_name_source_url_interval_and_line() -> None:
    """A row with an unknown zone or direction fails with MalformedPayloadError naming source, URL, interval
    and the line number."""
    header = ";".join(nt.CSV_COLUMNS)
    good = ("02.01.2024;09:00;CET;02.01.2024;14:30;CET;Probestart (NetzRes);Wirkleistungseinspeisung erhöhen;"
            "35,79;85;170;TransnetBW;TransnetBW;Reservekraftwerk Heilbronn Block 6;Konventionell")
    window = Window(datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 3, tzinfo=UTC))
    for bad in (good.replace(";CET;Probestart", ";PST;Probestart"), good.replace("erhöhen", "halten"),
                good.replace("35,79", "viel")):
        with pytest.raises(MalformedPayloadError) as info:
            nt.parse_redispatch_csv(f"{header}\n{good}\n{bad}\n", url="https://ds/x", window=window)
        text = str(info.value)
        assert "line 3" in text and "source=netztransparenz" in text and "url=https://ds/x" in text
        assert "2024-01-02T00:00:00+00:00" in text
    with pytest.raises(MalformedPayloadError, match="lacks columns"):
        nt.parse_redispatch_csv('{"error": "not csv"}\n', url="https://ds/x", window=window)


def test_power_plant_list() -> None:
    """The OPSD list gives 909 blocks with unique keys; Heizkraftwerk Heilbronn HLB 6 is hard coal, 125 MW,
    operating; the repeated id BNA0083 is kept twice."""
    plants = nt.parse_power_plants(fixture_path("netztransparenz/conventional_power_plants_DE.csv").read_bytes())
    assert len(plants) == 909
    assert len({p.plant_key for p in plants}) == 909
    [hlb6] = [p for p in plants if p.plant_key == "BNA0433"]
    assert (hlb6.name, hlb6.block, hlb6.energy_source, hlb6.capacity_net_mw, hlb6.state, hlb6.status) == (
        "Heizkraftwerk Heilbronn", "HLB 6", "Hard coal", Decimal("125.0"), "Baden-Württemberg", "operating")
    wilmersdorf = sorted((p.plant_key, p.status) for p in plants if p.plant_key.startswith("BNA0083"))
    assert wilmersdorf == [("BNA0083", "operating"), ("BNA0083#2", "shutdown")]


def test_fetch_power_plants_with_plain_values_on_the_recorded_list() -> None:
    """The second feed (``load_power_plants``) with settings as values: the recorded OPSD file replaces the whole
    table (no window), named by its location for load errors; no request when the list is a file."""
    path = str(fixture_path("netztransparenz/conventional_power_plants_DE.csv"))
    session = FakeSession({})
    answer = nt.fetch_power_plants(session, endpoint("netztransparenz", nt.DEFAULT_BASE_URL),
                                   Window(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 2, tzinfo=UTC)),
                                   nt.Settings(power_plants=path))
    assert isinstance(answer, Fetched) and answer.window is None and answer.url == path
    assert len(answer.records) == 909 and session.requests == []
    [hlb6] = [p for p in answer.records if p.plant_key == "BNA0433"]
    assert (hlb6.name, hlb6.block, hlb6.energy_source, hlb6.capacity_net_mw) == (
        "Heizkraftwerk Heilbronn", "HLB 6", "Hard coal", Decimal("125.0"))


def test_power_plant_location_is_configurable(tmp_path) -> None:
    """GRIDCARBON_POWER_PLANTS_CSV points at another file (read once into the settings); a missing file says which
    variable to set."""
    src = fixture_path("netztransparenz/conventional_power_plants_DE.csv")
    lines = src.read_text(encoding="utf-8").splitlines()
    small = tmp_path / "plants.csv"
    small.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    settings = nt.Settings.from_env(Environment({"GRIDCARBON_POWER_PLANTS_CSV": str(small)}))
    assert settings.power_plants == str(small)
    assert len(nt.read_power_plants(settings.power_plants)) == 3
    assert nt.Settings().power_plants.endswith("netztransparenz/conventional_power_plants_DE.csv")
    with pytest.raises(Exception, match="GRIDCARBON_POWER_PLANTS_CSV"):
        nt.read_power_plants(str(tmp_path / "missing.csv"))


def test_fetch_with_plain_values_on_the_recorded_2024_file() -> None:
    """``fetch`` with a fake session answering the token endpoint and the recorded 2024 redispatch file, the
    credential from the endpoint and settings as values (no look-back): the measures starting in the window, with
    the bearer token; the Heilbronn reserve block among them."""
    window = Window(datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 3, tzinfo=UTC))
    session = FakeSession({"/connect/token": '{"access_token": "tok-123", "token_type": "Bearer"}',
                           "/data/redispatch/": fixture_path("netztransparenz/redispatch_2024.csv")},
                          content_type="text/csv")
    where = endpoint("netztransparenz", "https://mirror.example/api/v1", login="id", password="secret",
                     extra={"token_url": "https://mirror.example/connect/token"})
    answer = nt.fetch(session, where, window, nt.Settings(lookback=timedelta(0)))
    assert isinstance(answer, Fetched) and answer.window == window
    token, data = session.requests
    assert token[1] == "https://mirror.example/connect/token" and token[2]["data"]["client_secret"] == "secret"
    assert data[1] == "https://mirror.example/api/v1/data/redispatch/2024-01-02T00:00:00/2024-01-03T00:00:00"
    assert data[2]["headers"]["Authorization"] == "Bearer tok-123"
    assert answer.records and all(window.start <= m.start_utc < window.end for m in answer.records)
    assert any(m.affected_plant == "Reservekraftwerk Heilbronn Block 6" for m in answer.records)
