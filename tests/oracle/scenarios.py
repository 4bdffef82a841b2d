"""Hypothesis scenarios for the differential test: a few hours around an instant where things go wrong (a DST
switch, local midnight with a factor change, the first delivery day of quarter-hour prices, a sunny noon with
negative prices), SMARD data for DE and the four control areas at quarter-hour and/or hourly resolution with
absent series, trailing and scattered NULLs, missing rows, negative values; day-ahead prices (negative, zero,
missing); Tibber homes with and without EV under both split rules, at hourly or quarter-hour resolution, with
values on and around the EV thresholds; emission factors of both scopes with versions starting at local
midnight or inside an interval, control-area overrides, GLOBAL-only fuels and fuels without a factor; redispatch
measures across the switch, matched to plants, falling back by class, market countertrades and test runs.

Hypothesis draws the structure and a ``random.Random`` (shrinkable, ``st.randoms``) fills in the numbers."""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from tests.oracle.domain import (
    CONTROL_AREAS,
    FILTER_OF,
    FUEL_FILTERS,
    LOAD_FILTER,
    PRICE_FILTER,
    SCOPES,
    AbsentSeries,
    ChartValue,
    Consumption,
    EmissionFactor,
    Household,
    Plant,
    RankVersion,
    RedispatchMeasure,
    Scenario,
    default_ranks,
)

D = Decimal
BERLIN = ZoneInfo("Europe/Berlin")
QUARTER = timedelta(minutes=15)
HOUR = timedelta(hours=1)
ANCHORS = {
    "spring_dst": datetime(2025, 3, 30, 1, tzinfo=UTC),  # 02:00 CET -> 03:00 CEST
    "autumn_dst": datetime(2025, 10, 26, 1, tzinfo=UTC),  # 03:00 CEST -> 02:00 CET
    "new_year": datetime(2024, 12, 31, 23, tzinfo=UTC),  # 2025-01-01 00:00 Europe/Berlin
    "quarter_prices": datetime(2025, 9, 30, 22, tzinfo=UTC),  # delivery day 2025-10-01 (15-minute MTU)
    "summer_noon": datetime(2025, 6, 15, 10, tzinfo=UTC),
}
QUARTER_PRICES_FROM = datetime(2025, 9, 30, 22, tzinfo=UTC)
HISTORY = timedelta(days=30)
REGIONS = ("DE", *CONTROL_AREAS)
FUELS = list(FUEL_FILTERS.values())
UNMAPPED_FILTER = 9990  # a SMARD series without a fuel_type_map row -> fuel unknown (§4.6)
# plant list (raw_reference.power_plants): key, name, block, energy source as published, canonical fuel
PLANTS = [
    Plant("op1", "Oracle Gaswerk Nord", "Block 2", "natural_gas"),
    Plant("op2", "Oracle Braunkohlewerk", None, "lignite"),
    Plant("op3", "Oracle Steinkohlewerk", "Block A", "hard_coal"),
    Plant("op4", "Oracle Doppelwerk", "1", "natural_gas"),  # one name, two fuels: matches none
    Plant("op5", "Oracle Doppelwerk", "2", "hard_coal"),
]
ENERGY_SOURCE = {"natural_gas": "Erdgas", "lignite": "Braunkohle", "hard_coal": "Steinkohle"}
# name, class: matched plants, class fallbacks, market countertrade
AFFECTED = [
    ("Oracle Gaswerk Nord Block 2", "Konventionell"), ("oracle braunkohlewerk", "Konventionell"),
    ("Oracle Steinkohlewerk", "Erneuerbar"), ("Oracle Doppelwerk", "Konventionell"),
    ("Zeta Reserveanlage Süd", "Konventionell"), ("EE Oracle Cluster West", "Erneuerbar"),
    ("Börse", "Sonstiges"), ("Oracle Speicher Ost", None),
]
REASONS = ["Strombedingter Redispatch", "Strom- und Spannungsbedingter RD", "Spannungsbedingter Redispatch",
           "Probestart (NetzRes)", "Testfahrt (bnBm/KapRes)", "Strombedingter Countertrade DE-DK1"]
# factor values drawn from a small set so that ties (worst emitter, merit order) happen
FACTOR_VALUES = [D(0), D(0), D("12.5"), D(240), D(400), D(575), D(850), D(850), D(1050), D(1100)]


def _mwh(rnd: random.Random, high: int) -> Decimal:
    return D(rnd.randint(0, high * 1000)) / 1000


def _quarters(start: datetime, end: datetime) -> list[datetime]:
    return [start + i * QUARTER for i in range(int((end - start) / QUARTER))]


def _hours(start: datetime, end: datetime) -> list[datetime]:
    return [start + i * HOUR for i in range(int((end - start) / HOUR))]


def _local_midnights(start: datetime, end: datetime) -> list[datetime]:
    day = (start - timedelta(days=1)).astimezone(BERLIN).date()
    found = []
    while True:
        midnight = datetime.combine(day, datetime.min.time(), tzinfo=BERLIN).astimezone(UTC)
        if midnight >= end:
            return found
        if midnight > start:
            found.append(midnight)
        day += timedelta(days=1)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    anchor_name = draw(st.sampled_from(sorted(ANCHORS)))
    anchor = ANCHORS[anchor_name]
    start = anchor - draw(st.integers(1, 3)) * HOUR
    end = anchor + draw(st.integers(1, 3)) * HOUR
    # quarterhour: SMARD quarter-hours only; hour: hourly only; both: both (the hour need not be the sum);
    # partial: hourly throughout, quarter-hours from the middle of the window on; none: no data for the area
    modes = {region: draw(st.sampled_from(["quarterhour", "hour", "both", "partial"]
                                          + (["none"] if region != "DE" else [])))
             for region in REGIONS}
    history = draw(st.booleans())  # one more hour a month earlier: outside the facts' incremental look-back
    rnd = draw(st.randoms(use_true_random=True))
    s = Scenario(plants=list(PLANTS))
    _grid(s, rnd, start, end, modes, anchor - HISTORY if history else None)
    _prices(s, rnd, start, end)
    if history:
        _prices(s, rnd, anchor - HISTORY, anchor - HISTORY + HOUR)
    _households(s, rnd, start, end, anchor - HISTORY if history else None)
    _factors(s, rnd, start, end)
    _measures(s, rnd, start, end)
    _ranks(s, rnd, start, end)
    return s


def _grid(s: Scenario, rnd: random.Random, start: datetime, end: datetime, modes: dict[str, str],
          history: datetime | None) -> None:
    for region, mode in modes.items():
        if mode != "none":
            _region(s, rnd, region, mode, start, end, history)


def _region(s: Scenario, rnd: random.Random, region: str, mode: str, start: datetime, end: datetime,
            history: datetime | None) -> None:
    """One region's generation and load series (SMARD filter ids) and its absent series."""
    quarters, hours = _quarters(start, end), _hours(start, end)
    absent = {f for f in ("nuclear", "wind_offshore", "pumped_storage", "other_renewables") if rnd.random() < 0.15}
    fuels = [f for f in FUELS if f not in absent]
    filters = [FILTER_OF[f] for f in fuels] + ([UNMAPPED_FILTER] if rnd.random() < 0.1 else [])
    s.absent_series += [AbsentSeries(FILTER_OF[f], region, res) for f in absent for res in ("quarterhour", "hour")]
    scale = 4000 if region == "DE" else 1200
    zero = {f for f in filters if rnd.random() < 0.2}  # e.g. PV at night, nuclear after 2023
    values = {(f, q): (D(0) if f in zero else _mwh(rnd, scale)) for f in filters for q in quarters}
    if rnd.random() < 0.1:  # an interval where nothing runs (ZERO_GENERATION)
        q = rnd.choice(quarters)
        values.update({(f, q): D(0) for f in filters})
    if rnd.random() < 0.15:  # only must-run fuels run: no marginal candidate (NO_MARGINAL_CANDIDATE)
        q = rnd.choice(quarters)
        values.update({(FILTER_OF[f], q): D(0) for f in fuels
                       if f in ("wind_onshore", "wind_offshore", "photovoltaics", "hydro", "nuclear", "lignite",
                                "hard_coal", "natural_gas")})
    if rnd.random() < 0.3:  # a negative value (clamped to 0)
        values[(rnd.choice(filters), rnd.choice(quarters))] = -_mwh(rnd, 50) - D("0.001")
    trailing = rnd.choice([0, 0, 0, 1, 4, 5]) if rnd.random() < 0.5 else 0  # not yet published at the end
    nulls = {(rnd.choice(filters), rnd.choice(quarters)) for _ in range(rnd.choice([0, 0, 1, 2]))}
    missing = {(rnd.choice(filters), rnd.choice(quarters)) for _ in range(rnd.choice([0, 0, 0, 1]))}
    load_scale = D(rnd.choice(["0.6", "0.9", "1.0", "1.3", "1.6", "2.2"]))
    load_nulls = {rnd.choice(quarters)} if rnd.random() < 0.15 else set()

    def value(f: int, q: datetime) -> Decimal | None:
        if (f, q) in nulls or q >= end - trailing * QUARTER:
            return None
        return values[(f, q)]

    quarter_from = start + (end - start) // 2 // HOUR * HOUR if mode == "partial" else start
    if mode in ("quarterhour", "both", "partial"):
        for f in filters:
            s.chart_values += [ChartValue(f, region, "quarterhour", q, value(f, q)) for q in quarters
                               if (f, q) not in missing and q >= quarter_from]
        for q in (q for q in quarters if q >= quarter_from):
            total = sum((max(D(0), values[(f, q)]) for f in filters), D(0))
            load = None if q in load_nulls else (total * load_scale).quantize(D("0.001"))
            s.chart_values.append(ChartValue(LOAD_FILTER, region, "quarterhour", q, load))
    if mode in ("hour", "both", "partial"):
        skew = D(1) if rnd.random() < 0.3 else D(0)  # SMARD's hour need not equal the sum of its quarters
        for f in filters:
            for h in hours:
                qs = [h + i * QUARTER for i in range(4)]
                parts = [value(f, q) for q in qs]
                if mode == "hour" and any((f, q) in missing for q in qs):
                    continue
                hour_value = None if any(p is None for p in parts) else sum(parts, D(0)) + skew  # type: ignore[arg-type]
                s.chart_values.append(ChartValue(f, region, "hour", h, hour_value))
        for h in hours:
            qs = [h + i * QUARTER for i in range(4)]
            total = sum((max(D(0), values[(f, q)]) for f in filters for q in qs), D(0))
            s.chart_values.append(ChartValue(LOAD_FILTER, region, "hour", h,
                                             None if any(q in load_nulls for q in qs)
                                             else (total * load_scale).quantize(D("0.001"))))
    if history is not None:  # a complete hour, published long ago
        s.chart_values += [ChartValue(f, region, "hour", history, _mwh(rnd, scale * 4)) for f in filters]
        s.chart_values.append(ChartValue(LOAD_FILTER, region, "hour", history, _mwh(rnd, scale * 30)))


def _price(rnd: random.Random) -> Decimal | None:
    return rnd.choice([D("-20.5"), D("-0.01"), D(0), D("0.01"), D("45.3"), D(95), None,
                       D(rnd.randint(-5000, 20000)) / 100])


def _prices(s: Scenario, rnd: random.Random, start: datetime, end: datetime) -> None:
    gaps = {rnd.choice(_hours(start, end))} if rnd.random() < 0.3 else set()
    for h in _hours(start, end):
        if h in gaps:
            continue
        if h < QUARTER_PRICES_FROM:
            s.chart_values.append(ChartValue(PRICE_FILTER, "DE-LU", "hour", h, _price(rnd)))
            continue
        quarter_prices = [_price(rnd) for _ in range(4)]
        s.chart_values += [ChartValue(PRICE_FILTER, "DE-LU", "quarterhour", h + i * QUARTER, p)
                           for i, p in enumerate(quarter_prices)]
        if rnd.random() < 0.5:
            s.chart_values.append(ChartValue(PRICE_FILTER, "DE-LU", "hour", h, _price(rnd)))


def _households(s: Scenario, rnd: random.Random, start: datetime, end: datetime, history: datetime | None) -> None:
    for i in range(rnd.randint(2, 4)):
        home = f"oracle-home-{i}"
        power = rnd.choice([D("11.0"), D("11.0"), D("7.4"), D("3.7")])
        household = Household(home, rnd.choice([*CONTROL_AREAS, None]), rnd.random() < 0.7, power,
                              rnd.choice(["single_ev_cap", "modulo"]))
        if rnd.random() < 0.85:
            s.households.append(household)
        else:
            household = Household(home, None)  # not configured: the documented defaults
        resolution = rnd.choice(["HOURLY", "QUARTER_HOURLY"])
        step = HOUR if resolution == "HOURLY" else QUARTER
        c_start = start - rnd.choice([0, 1]) * HOUR
        c_end = end + rnd.choice([0, 0, 1]) * HOUR
        hours = D(int(step.total_seconds())) / 3600
        starts = _quarters(c_start, c_end) if step == QUARTER else _hours(c_start, c_end)
        if history is not None:
            starts = (_quarters(history, history + HOUR) if step == QUARTER else [history]) + starts
        for t in starts:
            kw = household.ev_power_kw
            p = rnd.choice([D("0.3"), kw, 2 * kw, kw + D("0.5"), 2 * kw + 1, 3 * kw, D(-1), D(0),
                            D(rnd.randint(0, 30000)) / 1000])
            s.consumption.append(Consumption(home, resolution, t, t + step, p * hours))


def _factors(s: Scenario, rnd: random.Random, start: datetime, end: datetime) -> None:
    early = datetime(2014, 12, 31, 23, tzinfo=UTC)
    midnights = _local_midnights(start, end)
    inside = [start + i * QUARTER for i in range(1, int((end - start) / QUARTER))]
    n = 0

    def add(fuel: str, region: str, scope: str, versions: list[tuple[Decimal, datetime]]) -> None:
        nonlocal n
        versions.sort(key=lambda v: v[1])
        for i, (g, valid_from) in enumerate(versions):
            valid_to = versions[i + 1][1] if i + 1 < len(versions) else None
            n += 1
            s.factors.append(EmissionFactor(f"ef-{n:03d}-{fuel}-{region}-{scope}", fuel, region, scope, g,
                                            valid_from, valid_to))

    late_fuel = rnd.choice(FUELS) if rnd.random() < 0.2 else None  # no factor before a time in the window
    for scope in SCOPES:
        for fuel in [*FUELS, "unknown"]:
            versions = [(rnd.choice(FACTOR_VALUES), early)]
            if rnd.random() < 0.25:
                boundary = rnd.choice(midnights) if midnights and rnd.random() < 0.6 else rnd.choice(inside)
                if rnd.random() < 0.2:
                    boundary += timedelta(minutes=rnd.choice([5, 30]))  # inside a quarter-hour / an hour
                versions.append((rnd.choice(FACTOR_VALUES), boundary))
            if fuel == late_fuel:
                versions = [(rnd.choice(FACTOR_VALUES), rnd.choice(inside))]
            if fuel == "unknown" and rnd.random() < 0.5:
                add(fuel, "GLOBAL", scope, versions)  # only the GLOBAL level has it
                continue
            add(fuel, "DE", scope, versions)
            if rnd.random() < 0.1:  # a control area's own factor (§1.3 rule 3), maybe only from some time on
                override_from = early if rnd.random() < 0.5 else rnd.choice(inside) + timedelta(
                    minutes=rnd.choice([0, 0, 5, 30]))
                add(fuel, rnd.choice(CONTROL_AREAS), scope, [(rnd.choice(FACTOR_VALUES), override_from)])


def _ranks(s: Scenario, rnd: random.Random, start: datetime, end: datetime) -> None:
    """§1.4 ranks are SCD2: sometimes a fuel changes rank (fuel switching) or candidacy at local midnight or at a
    quarter-hour inside the window; ties of rank happen (broken by the higher factor)."""
    if rnd.random() < 0.6:
        return
    midnights = _local_midnights(start, end)
    inside = [start + i * QUARTER for i in range(1, int((end - start) / QUARTER))]
    changed = []
    for _ in range(rnd.randint(1, 3)):
        fuel = rnd.choice(["natural_gas", "lignite", "hard_coal", "nuclear", "biomass", "hydro"])
        boundary = rnd.choice(midnights) if midnights and rnd.random() < 0.5 else rnd.choice(inside)
        changed.append(RankVersion(fuel, rnd.choice([35, 40, 45, 50, 70]), rnd.random() < 0.8, boundary))
    versions = default_ranks()
    for fuel in {v.fuel for v in changed}:
        first = min((v for v in changed if v.fuel == fuel), key=lambda v: v.valid_from)
        versions = [v for v in versions if v.fuel != fuel] + [
            RankVersion(fuel, v.rank, v.is_marginal_candidate, v.valid_from, first.valid_from)
            for v in versions if v.fuel == fuel] + [first]
    s.ranks = versions


def _measures(s: Scenario, rnd: random.Random, start: datetime, end: datetime) -> None:
    quarters = _quarters(start - HOUR, end)
    for i in range(rnd.choice([0, 1, 2, 3, 4])):
        m_start = rnd.choice(quarters)
        m_end = m_start + rnd.randint(1, 12) * QUARTER
        plant, klass = rnd.choice(AFFECTED)
        s.measures.append(RedispatchMeasure(
            f"oracle-m{i}", m_start, m_end, rnd.choice(REASONS), rnd.choice(["up", "down"]),
            _mwh(rnd, 800) + D("0.25"), rnd.choice(["TenneT DE", "50Hertz", "Amprion", "TransnetBW"]), plant, klass))


@dataclass
class Run:
    """What the differential test builds: ``final``; when ``earlier`` is set, first ``earlier`` (full refresh)
    and then ``final`` incrementally, as production runs do when data arrives late or settings change."""
    final: Scenario
    earlier: Scenario | None = None


@st.composite
def runs(draw: st.DrawFn) -> Run:
    final = draw(scenarios())
    if not draw(st.booleans()):
        return Run(final)
    rnd = draw(st.randoms(use_true_random=True))
    earlier = copy.deepcopy(final)
    # settings changed since: the household facts must follow the current settings, also for old intervals
    changed = rnd.sample(earlier.households, k=min(len(earlier.households), rnd.randint(1, 2)))
    for h in changed:
        earlier.households.remove(h)
        if rnd.random() < 0.8:
            earlier.households.append(Household(
                h.home_id, rnd.choice([*CONTROL_AREAS, None]), not h.has_ev, rnd.choice([D("11.0"), D("22.0")]),
                "modulo" if h.ev_split_rule == "single_ev_cap" else "single_ev_cap"))
    # late data: the last quarter-hours of some regions were not published yet, a measure was not loaded yet
    window_end = max(v.start for v in final.chart_values if v.filter_id != PRICE_FILTER)
    late = window_end - rnd.randint(0, 5) * QUARTER
    regions = set(rnd.sample(REGIONS, k=rnd.randint(1, len(REGIONS))))
    earlier.chart_values = [
        ChartValue(v.filter_id, v.region, v.resolution, v.start, None)
        if v.region in regions and v.start >= late and v.filter_id not in (PRICE_FILTER, LOAD_FILTER) else v
        for v in earlier.chart_values]
    if earlier.measures and rnd.random() < 0.5:
        earlier.measures.pop()
    return Run(final, earlier)


def fixed_scenario() -> Scenario:
    """One scenario written by hand that every deliberate bug of test_can_fail.py shows in: the spring DST switch
    at quarter-hours for DE and the four areas (DE also hourly), a zero price in the first hour with wind running,
    pumped-storage discharge, a fuel at 0 MWh with the highest factor, deficit areas and an import gap in the
    second hour, a factor version starting at 03:00 CEST, redispatch across the switch, an EV home in TransnetBW at
    quarter-hours on and around the 11 kW threshold and a home without EV in Amprion at hours."""
    start = ANCHORS["spring_dst"] - HOUR
    quarters = _quarters(start, start + 2 * HOUR)
    de = {"lignite": 2500, "hard_coal": 800, "natural_gas": 1200, "wind_onshore": 3000, "wind_offshore": 500,
          "photovoltaics": 0, "biomass": 1000, "hydro": 300, "other_renewables": 100, "pumped_storage": 150,
          "other_conventional": 0}
    # each area's share of DE per fuel (different mixes, so the pool matters); load = G x factor per hour:
    # surpluses cover the deficits in the first hour, not in the second (import gap M > 0)
    share = {"50Hertz": {"lignite": D("0.6"), "wind_onshore": D("0.45")},
             "Amprion": {"lignite": D("0.4"), "hard_coal": D("0.4"), "natural_gas": D("0.3")},
             "TenneT": {"lignite": D(0), "wind_onshore": D("0.4"), "wind_offshore": D(1), "hard_coal": D("0.3")},
             "TransnetBW": {"lignite": D(0), "hard_coal": D("0.3"), "natural_gas": D("0.4"),
                            "wind_onshore": D("0.15")}}
    load_factor = {"50Hertz": (D("0.7"), D("0.95")), "Amprion": (D("1.2"), D("1.6")), "TenneT": (D("0.8"), D(1)),
                   "TransnetBW": (D("1.5"), D(2))}
    s = Scenario(plants=list(PLANTS))
    for i, q in enumerate(quarters):
        values = {f: D(v) + D(i * 10 if f in ("lignite", "wind_onshore") else 0) for f, v in de.items()}
        s.chart_values += [ChartValue(FILTER_OF[f], "DE", "quarterhour", q, v) for f, v in values.items()]
        for area, parts in share.items():
            area_values = {f: v * parts.get(f, D("0.25")) for f, v in values.items()
                           if not (area == "TransnetBW" and f == "wind_offshore")}
            s.chart_values += [ChartValue(FILTER_OF[f], area, "quarterhour", q, v) for f, v in area_values.items()]
            s.chart_values.append(ChartValue(LOAD_FILTER, area, "quarterhour", q,
                                             sum(area_values.values(), D(0)) * load_factor[area][i // 4]))
    for h in _hours(start, start + 2 * HOUR):
        s.chart_values += [ChartValue(FILTER_OF[f], "DE", "hour", h, D(v) * 4 + 1) for f, v in de.items()]
    s.chart_values += [ChartValue(PRICE_FILTER, "DE-LU", "hour", start, D(0)),
                       ChartValue(PRICE_FILTER, "DE-LU", "hour", start + HOUR, D("42.5"))]
    s.absent_series = [AbsentSeries(FILTER_OF["nuclear"], r, res) for r in REGIONS for res in ("quarterhour", "hour")]
    s.absent_series += [AbsentSeries(FILTER_OF["wind_offshore"], "TransnetBW", res) for res in ("quarterhour", "hour")]
    early = datetime(2014, 12, 31, 23, tzinfo=UTC)
    direct = {"lignite": 1100, "hard_coal": 850, "natural_gas": 400, "wind_onshore": 0, "wind_offshore": 0,
              "photovoltaics": 0, "biomass": 0, "hydro": 0, "other_renewables": 0, "pumped_storage": 240,
              "other_conventional": 1200, "nuclear": 0, "unknown": 575}
    for scope, extra in (("direct", 0), ("lifecycle", 30)):
        for fuel, g in direct.items():
            if fuel == "lignite":
                s.factors += [
                    EmissionFactor(f"fx-{fuel}-{scope}-1", fuel, "DE", scope, D(g + extra), early, start + HOUR),
                    EmissionFactor(f"fx-{fuel}-{scope}-2", fuel, "DE", scope, D(g + extra - 50), start + HOUR, None)]
            else:
                s.factors.append(EmissionFactor(f"fx-{fuel}-{scope}", fuel, "DE", scope, D(g + extra), early, None))
    s.households = [Household("fixed-ev", "TransnetBW", True, D("11.0"), "single_ev_cap"),
                    Household("fixed-flat", "Amprion", False)]
    ev_kw = [D("0.8"), D(11), D("12.5"), D(23), D("22"), D("4.4"), D(11), D("0.3")]
    s.consumption = [Consumption("fixed-ev", "QUARTER_HOURLY", q, q + QUARTER, ev_kw[i] / 4)
                     for i, q in enumerate(quarters)]
    s.consumption += [Consumption("fixed-flat", "HOURLY", h, h + HOUR, D("1.7") + i)
                      for i, h in enumerate(_hours(start, start + 2 * HOUR))]
    s.measures = [
        RedispatchMeasure("fx-up", start + 2 * QUARTER, start + 6 * QUARTER, "Strombedingter Redispatch", "up",
                          D(200), "TransnetBW", "Oracle Gaswerk Nord Block 2", "Konventionell"),
        RedispatchMeasure("fx-down", start + 3 * QUARTER, start + 5 * QUARTER, "Strombedingter Redispatch", "down",
                          D(100), "TenneT DE", "EE Oracle Cluster West", "Erneuerbar"),
    ]
    return s
