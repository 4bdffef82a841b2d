"""A plain-Python oracle of ../shared/spec/DOMAIN.md §2 (EV split), §3 (the four attribution models), §4 (edge
cases, statuses, flags) and §8.3 (redispatch measures -> Model 4 inputs).

Written from the spec, not from the SQL: the inputs are raw-level facts (what the loaders put into the raw
tables), the outputs are the rows of ``marts.fct_grid_carbon_intensity`` and ``marts.fct_household_emissions``.
Arithmetic is ``Decimal`` (the SQL uses ``numeric``) with 60 significant digits.

Where the spec leaves a choice open, the oracle follows the choice the repository documents (dbt docs
``attribution_methodology.md``, the model and seed YAML); each such place is marked ``DOCUMENTED CHOICE`` with
where it is documented, so a reader can tell the spec from the repository's reading of it. Places where the spec
leaves room and the dbt docs say nothing are marked ``READING``: the oracle takes the reading the SQL takes (named
there; only where the spec allows it), and they are worth a line in the dbt docs.
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

D = Decimal
QUARTER = timedelta(minutes=15)
HOUR = timedelta(hours=1)
PT15M, PT1H = "PT15M", "PT1H"
STEP = {PT15M: QUARTER, PT1H: HOUR}
SMARD_RESOLUTION = {"quarterhour": PT15M, "hour": PT1H}
TIBBER_RESOLUTION = {"QUARTER_HOURLY": PT15M, "HOURLY": PT1H}

# §1.1: canonical fuel keys and their SMARD filter ids
FUEL_FILTERS: dict[int, str] = {
    1223: "lignite", 1224: "nuclear", 1225: "wind_offshore", 1226: "hydro", 1227: "other_conventional",
    1228: "other_renewables", 4066: "biomass", 4067: "wind_onshore", 4068: "photovoltaics", 4069: "hard_coal",
    4070: "pumped_storage", 4071: "natural_gas",
}
FILTER_OF = {fuel: filter_id for filter_id, fuel in FUEL_FILTERS.items()}
LOAD_FILTER = 410
PRICE_FILTER = 4169
PRICE_REGION = "DE-LU"
# §7.3: SMARD series that are not realised generation (load, residual load, pumping, prices, forecasts)
NOT_GENERATION = {410, 4359, 4387, 4169, 5078, 4996, 4997, 4170, 252, 253, 254, 255, 256, 257, 258, 259, 260,
                  261, 262, 122, 123, 125, 126, 715, 3791, 5097}
CONTROL_AREAS = ("50Hertz", "Amprion", "TenneT", "TransnetBW")
GRID_REGION = "DE"  # models 1-3 use region DE (§3.1 "default DE")
SCOPES = ("direct", "lifecycle")
MODELS = ("average", "merit_order", "worst_emitter", "locality")
RENEWABLE_SURPLUS_TRIGGERS = {"wind_onshore", "wind_offshore", "photovoltaics"}  # §3.2 step 2 (not hydro)
RENEWABLE_SURPLUS = "renewable_surplus"
TEST_RUN_MARKERS = ("Probestart", "Testfahrt", "Funktionstest", "Probeabruf")  # §8.3 step 4
EV_THRESHOLD_EPSILON = D("1e-9")  # §2.2 epsilon
THETA = D(0)  # §3 dispatched set threshold
DEFAULT_EV_POWER_KW = D("11.0")  # §1.5


@dataclass(frozen=True)
class Rank:
    rank: int
    is_marginal_candidate: bool


@dataclass(frozen=True)
class RankVersion:
    """§1.4 merit_order_rank_scd2: the rank of a fuel for intervals with valid_from <= start < valid_to."""
    fuel: str
    rank: int
    is_marginal_candidate: bool
    valid_from: datetime
    valid_to: datetime | None = None


# §1.4 default ranks. `unknown` is not in §1.4; DOCUMENTED CHOICE (seeds/merit_order_ranks.csv, "gridcarbon
# assumption"): rank 60, not a candidate.
SPEC_RANKS: dict[str, Rank] = {
    "wind_onshore": Rank(10, True), "wind_offshore": Rank(10, True), "photovoltaics": Rank(10, True),
    "hydro": Rank(10, True), "other_renewables": Rank(15, False), "biomass": Rank(20, False),
    "nuclear": Rank(25, True), "lignite": Rank(30, True), "hard_coal": Rank(40, True),
    "natural_gas": Rank(50, True), "pumped_storage": Rank(55, False), "other_conventional": Rank(60, False),
    "unknown": Rank(60, False),
}

# statuses (§4, §4.10) and the extra one the repository documents (NO_CONTROL_AREA, methodology item 11)
OK = "OK"
PENDING = "PENDING"
NO_GENERATION_DATA = "NO_GENERATION_DATA"
INCOMPLETE_GENERATION = "INCOMPLETE_GENERATION"
ZERO_GENERATION = "ZERO_GENERATION"
NO_FACTOR = "NO_FACTOR"
NO_MARGINAL_CANDIDATE = "NO_MARGINAL_CANDIDATE"
LOAD_MISSING = "LOAD_MISSING"
NO_CONTROL_AREA = "NO_CONTROL_AREA"


# --------------------------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class ChartValue:
    """One value of a SMARD chart series (raw_smard.chart_values): MWh per interval, EUR/MWh for 4169;
    None = not yet published."""
    filter_id: int
    region: str
    resolution: str  # SMARD: quarterhour | hour
    start: datetime
    value: Decimal | None


@dataclass(frozen=True)
class AbsentSeries:
    """A series SMARD answers with HTTP 404 (raw_smard.series_status = absent): structurally absent, 0 MWh."""
    filter_id: int
    region: str
    resolution: str  # quarterhour | hour


@dataclass(frozen=True)
class Consumption:
    """One Tibber consumption node (raw_tibber.consumption), kWh; may be negative (net export)."""
    home_id: str
    resolution: str  # HOURLY | QUARTER_HOURLY
    start: datetime
    end: datetime
    kwh: Decimal


@dataclass(frozen=True)
class Household:
    """§1.5 master data of one Tibber home (seed household_settings)."""
    home_id: str
    control_area: str | None
    has_ev: bool = False
    ev_power_kw: Decimal = DEFAULT_EV_POWER_KW
    ev_split_rule: str = "single_ev_cap"
    timezone: str = "Europe/Berlin"


@dataclass(frozen=True)
class EmissionFactor:
    """§1.3: effective for t iff valid_from <= t < valid_to (None = open)."""
    factor_id: str
    fuel: str
    region: str
    scope: str
    g_per_kwh: Decimal
    valid_from: datetime
    valid_to: datetime | None


@dataclass(frozen=True)
class Plant:
    """Plant master data (raw_reference.power_plants) with its canonical fuel."""
    plant_key: str
    name: str
    block: str | None
    fuel: str


@dataclass(frozen=True)
class RedispatchMeasure:
    """One netztransparenz measure (§8.1) after parsing: UTC times, direction up/down, GESAMTE_ARBEIT_MWH."""
    measure_id: str
    start: datetime
    end: datetime
    reason: str
    direction: str  # up | down
    total_mwh: Decimal
    instructing_tso: str
    affected_plant: str
    primary_energy_class: str | None


@dataclass
class Scenario:
    chart_values: list[ChartValue] = field(default_factory=list)
    absent_series: list[AbsentSeries] = field(default_factory=list)
    consumption: list[Consumption] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    factors: list[EmissionFactor] = field(default_factory=list)
    plants: list[Plant] = field(default_factory=list)
    measures: list[RedispatchMeasure] = field(default_factory=list)
    ranks: list[RankVersion] = field(default_factory=lambda: default_ranks())

    def __repr__(self) -> str:  # hypothesis prints failing examples; the full repr is ~100 kB
        starts = [v.start for v in self.chart_values]
        window = f"{min(starts).isoformat()}..{max(starts).isoformat()}" if starts else "-"
        return (f"Scenario({len(self.chart_values)} SMARD values {window}, {len(self.absent_series)} absent "
                f"series, {len(self.consumption)} consumption rows of {len(self.households)} configured homes, "
                f"{len(self.factors)} factors, {len(self.ranks)} rank versions, {len(self.measures)} measures)")


def default_ranks(valid_from: datetime | None = None) -> list[RankVersion]:
    """The §1.4 table as one open version per fuel (from 2015-01-01 Europe/Berlin, like the seed)."""
    start = valid_from or datetime.fromisoformat("2014-12-31T23:00:00+00:00")
    return [RankVersion(fuel, r.rank, r.is_marginal_candidate, start) for fuel, r in SPEC_RANKS.items()]


# --------------------------------------------------------------------------------------------- outputs
@dataclass
class GridRow:
    """One row of marts.fct_grid_carbon_intensity."""
    region: str
    interval_start_utc: datetime
    interval_end_utc: datetime
    resolution: str
    scope: str
    generation_mwh: Decimal | None
    emissions_kg: Decimal | None
    average_intensity_g_per_kwh: Decimal | None
    marginal_fuel: str | None
    merit_order_intensity_g_per_kwh: Decimal | None
    worst_fuel: str | None
    worst_emitter_intensity_g_per_kwh: Decimal | None
    price_eur_per_mwh: Decimal | None
    status: str
    merit_order_status: str
    flags: list[str]
    factor_ids: list[str]
    # not columns of the mart; used by the models built on the grid row
    merit_order_factor_id: str | None = None
    worst_factor_id: str | None = None


@dataclass
class LocalityRow:
    """Model 4 for one control area (the household fact takes its intensity from here)."""
    control_area: str
    interval_start_utc: datetime
    resolution: str
    scope: str
    intensity_g_per_kwh: Decimal | None
    rd_intensity_g_per_kwh: Decimal | None
    status: str
    flags: list[str]
    factor_ids: list[str]


@dataclass
class HouseholdRow:
    """One row of marts.fct_household_emissions (home_id instead of the pseudonymous household_id)."""
    home_id: str
    interval_start_utc: datetime
    interval_end_utc: datetime
    resolution: str
    model: str
    scope: str
    region_used: str | None
    intensity_resolution: str | None
    consumption_kwh: Decimal
    ev_kwh: Decimal
    household_kwh: Decimal
    intensity_g_per_kwh: Decimal | None
    emissions_kg: Decimal | None
    ev_emissions_kg: Decimal | None
    household_emissions_kg: Decimal | None
    rd_intensity_g_per_kwh: Decimal | None
    rd_emissions_kg: Decimal | None
    marginal_fuel: str | None
    status: str
    flags: list[str]
    factor_ids: list[str]


@dataclass
class Result:
    grid: list[GridRow]
    household: list[HouseholdRow]
    locality: list[LocalityRow]


# --------------------------------------------------------------------------------------------- §1.3 factors
class FactorTable:
    def __init__(self, factors: Iterable[EmissionFactor]) -> None:
        self._by_key: dict[tuple[str, str, str], list[EmissionFactor]] = defaultdict(list)
        for f in factors:
            self._by_key[(f.fuel, f.region, f.scope)].append(f)

    def levels(self, region: str) -> list[str]:
        """§1.3 rule 3: control area -> DE. DOCUMENTED CHOICE (attribution_methodology.md item 1): then GLOBAL."""
        return [region] + (["DE"] if region in CONTROL_AREAS else []) + (["GLOBAL"] if region != "GLOBAL" else [])

    def at(self, fuel: str, region: str, scope: str, instant: datetime) -> EmissionFactor | None:
        """The factor effective at an instant: valid_from <= instant < valid_to at the first level that has one
        (a fallback in region, never in time)."""
        for level in self.levels(region):
            for f in self._by_key.get((fuel, level, scope), []):
                if f.valid_from <= instant and (f.valid_to is None or instant < f.valid_to):
                    return f
        return None

    def lookup(self, fuel: str, region: str, scope: str, start: datetime, end: datetime
               ) -> tuple[EmissionFactor | None, bool]:
        """The factor effective at the interval START (§0, §1.3), and whether a boundary falls inside the
        interval (§1.3 rule 4, FACTOR_BOUNDARY_INSIDE_INTERVAL). DOCUMENTED CHOICE (int_emission_factors_effective,
        column is_boundary_inside_interval): the boundary looked at is the end of the version in use, i.e. the
        next version of the same (fuel, region level, scope) starting inside. A version of a level that takes
        precedence starting inside (a control-area override from 00:30 while DE applies at 00:00), or a key's
        first version starting inside, changes the factor that applies too, but is not flagged."""
        used = self.at(fuel, region, scope, start)
        inside = used is not None and used.valid_to is not None and start < used.valid_to < end
        return used, inside


# --------------------------------------------------------------------------------------------- §2 EV split
def split_consumption(kwh: Decimal, step: timedelta, household: Household, resolution: str
                      ) -> tuple[Decimal, Decimal, Decimal, set[str]]:
    """§2.2 and §4.3: (consumption, ev, household kWh, flags). Negative import counts as 0."""
    flags: set[str] = set()
    if kwh < 0:
        kwh = D(0)
        flags.add("NEGATIVE_VALUE_CLAMPED")
    hours = D(int(step.total_seconds())) / D(3600)
    if not household.has_ev:
        return kwh, D(0), kwh, flags
    power = kwh / hours
    cap = household.ev_power_kw
    if household.ev_split_rule == "modulo":
        p_ev = cap * (power / cap).to_integral_value(rounding=decimal.ROUND_FLOOR)
        if p_ev > cap:
            flags.add("MULTI_EV_INFERRED")
    else:  # single_ev_cap (default)
        p_ev = cap if power > cap else D(0)
        if abs(power - cap) < EV_THRESHOLD_EPSILON:
            flags.add("EV_AT_THRESHOLD")
        if power - p_ev > cap:
            flags.add("HH_EXCEEDS_ASSUMPTION")
    if resolution == PT1H:
        flags.add("EV_SPLIT_COARSE")  # only hourly data available (§2.2)
    ev = p_ev * hours
    return kwh, ev, kwh - ev, flags


# --------------------------------------------------------------------------------------------- generation
@dataclass
class FuelValue:
    mwh: Decimal | None  # None = not published
    clamped: bool = False
    unknown: bool = False


@dataclass
class Interval:
    fuels: dict[str, FuelValue]


def _floor_hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def _generation(s: Scenario) -> tuple[dict[tuple[str, str], dict[datetime, Interval]], set[tuple[str, str, str]]]:
    """Per (region, resolution): interval -> fuel values (§0, §4.1, §4.3, §4.6, §4.8), and the absent series as
    (region, resolution, fuel)."""
    absent = {(a.region, SMARD_RESOLUTION[a.resolution], FUEL_FILTERS.get(a.filter_id, "unknown"))
              for a in s.absent_series}
    raw: dict[tuple[str, str], dict[datetime, dict[str, list[ChartValue]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list)))
    for v in s.chart_values:
        if v.filter_id in NOT_GENERATION:
            continue
        fuel = FUEL_FILTERS.get(v.filter_id, "unknown")  # §4.6: never dropped
        raw[(v.region, SMARD_RESOLUTION[v.resolution])][v.start][fuel].append(v)
    series: dict[tuple[str, str], dict[datetime, Interval]] = defaultdict(dict)
    for key, intervals in raw.items():
        for t, fuels in intervals.items():
            row: dict[str, FuelValue] = {}
            for fuel, values in fuels.items():
                published = all(v.value is not None for v in values)
                clamped = published and any(v.value < 0 for v in values)  # type: ignore[operator]
                mwh = sum((max(D(0), v.value) for v in values), D(0)) if published else None  # type: ignore[type-var]
                row[fuel] = FuelValue(mwh, clamped, any(v.filter_id not in FUEL_FILTERS for v in values))
            series[key][t] = Interval(row)
    # §4.8: an hour is the sum of its four quarter-hours where quarter-hours exist, else SMARD's hourly value
    regions = {region for region, _ in series}
    for region in regions:
        quarters = series.get((region, PT15M), {})
        hours: dict[datetime, list[datetime]] = defaultdict(list)
        for t in quarters:
            hours[_floor_hour(t)].append(t)
        hourly = dict(series.get((region, PT1H), {}))
        for h, qs in hours.items():
            fuels_in_hour = {f for q in qs for f in quarters[q].fuels}
            row = {}
            for fuel in fuels_in_hour:
                values = [quarters[h + i * QUARTER].fuels.get(fuel) if (h + i * QUARTER) in quarters else None
                          for i in range(4)]
                complete = all(v is not None and v.mwh is not None for v in values)
                row[fuel] = FuelValue(sum((v.mwh for v in values), D(0)) if complete else None,  # type: ignore[misc]
                                      complete and any(v.clamped for v in values),  # type: ignore[union-attr]
                                      any(v is not None and v.unknown for v in values))
            hourly[h] = Interval(row)
        if hourly:
            series[(region, PT1H)] = hourly
    return series, absent


# --------------------------------------------------------------------------------------------- oracle
class Oracle:
    def __init__(self, scenario: Scenario) -> None:
        self.s = scenario
        self.factors = FactorTable(scenario.factors)
        self.series, self.absent = _generation(scenario)
        self.prices: dict[str, dict[datetime, Decimal | None]] = {PT15M: {}, PT1H: {}}
        self.load: dict[tuple[str, str], dict[datetime, Decimal | None]] = defaultdict(dict)
        for v in scenario.chart_values:
            res = SMARD_RESOLUTION[v.resolution]
            if v.filter_id == PRICE_FILTER and v.region == PRICE_REGION:
                self.prices[res][v.start] = v.value
            elif v.filter_id == LOAD_FILTER:
                self.load[(v.region, res)][v.start] = v.value
        self.grid: dict[tuple[str, str, datetime, str], GridRow] = {}
        self.locality: dict[tuple[str, str, datetime, str], LocalityRow] = {}

    # ---- prices (§3.2, §4.8)
    def price(self, resolution: str, t: datetime) -> Decimal | None:
        if resolution == PT15M:
            own = self.prices[PT15M].get(t)
            return own if own is not None else self.prices[PT1H].get(_floor_hour(t))
        # §4.8: after the switch to 15-minute MTU "hourly = energy- or time-average of quarters"; before it the
        # hourly price. READING: the time average (int_grid_intensity.price_eur_per_mwh documents it; the
        # methodology's item 4 and fct_grid_carbon_intensity's column text say "hourly series first": a finding),
        # of all four quarter-hour prices; without four, SMARD's hourly price.
        quarters = [self.prices[PT15M].get(t + i * QUARTER) for i in range(4)]
        if all(q is not None for q in quarters):
            return sum(quarters, D(0)) / 4  # type: ignore[arg-type]
        return self.prices[PT1H].get(t)

    # ---- load (§3.4)
    def area_load(self, area: str, resolution: str, t: datetime) -> Decimal | None:
        if resolution == PT1H:
            quarters = self.load.get((area, PT15M), {})
            qs = [t + i * QUARTER for i in range(4)]
            if any(q in quarters for q in qs):  # an hour is the sum of its quarter-hours where they exist
                values = [quarters.get(q) for q in qs]
                return sum(values, D(0)) if all(v is not None for v in values) else None  # type: ignore[arg-type]
        return self.load.get((area, resolution), {}).get(t)

    # ---- models 1-3 per region, resolution, interval, scope
    def compute_grid(self) -> None:
        expected: dict[tuple[str, str], set[str]] = {
            key: {fuel for interval in intervals.values() for fuel in interval.fuels}
            for key, intervals in self.series.items()
        }
        # quarter-hours first: hours built from quarter-hours carry their flags and statuses
        for resolution in (PT15M, PT1H):
            for (region, res), intervals in sorted(self.series.items()):
                if res != resolution:
                    continue
                for t, interval in sorted(intervals.items()):
                    for scope in SCOPES:
                        self.grid[(region, res, t, scope)] = self._grid_row(
                            region, res, t, scope, interval, expected[(region, res)])
        # §4.1 PENDING vs NO_GENERATION_DATA. READING (int_grid_intensity's header comment): an interval without
        # any published value is PENDING when it lies after the last interval of its region and resolution with
        # a published value, else NO_GENERATION_DATA.
        latest: dict[tuple[str, str], datetime] = {}
        for (region, res), intervals in self.series.items():
            published = [t for t, i in intervals.items() if any(v.mwh is not None for v in i.fuels.values())]
            if published:
                latest[(region, res)] = max(published)
        for row in self.grid.values():
            last = latest.get((row.region, row.resolution))
            if row.status == NO_GENERATION_DATA and (last is None or row.interval_start_utc > last):
                self._set_status(row, PENDING)
        # an hour's flags include its quarter-hours' statuses, set above only now
        for row in self.grid.values():
            if row.resolution == PT1H:
                self._quarter_flags(row)

    def _quarter_flags(self, row: GridRow) -> None:
        """Flags survive re-graining (issue 14; int_grid_intensity.flags): an hour carries every flag and every
        status other than OK (Model 1-3 and Model 2 status) of its quarter-hours."""
        flags = set(row.flags)
        for i in range(4):
            q = self.grid.get((row.region, PT15M, row.interval_start_utc + i * QUARTER, row.scope))
            if q is not None:
                flags.update(q.flags)
                flags.update(status for status in (q.status, q.merit_order_status) if status != OK)
        row.flags = sorted(flags)

    @staticmethod
    def _set_status(row: GridRow, status: str) -> None:
        row.status = status
        row.merit_order_status = status

    def _grid_row(self, region: str, res: str, t: datetime, scope: str, interval: Interval,
                  expected: set[str]) -> GridRow:
        end = t + STEP[res]
        flags: set[str] = set()
        fuels = interval.fuels
        if any(v.clamped for v in fuels.values()):
            flags.add("NEGATIVE_VALUE_CLAMPED")  # §4.3
        # §4.6. READING (not documented; the SQL does the same): flagged when energy was mapped to `unknown`
        # (a published value > 0); an unmapped series with 0 MWh or no value yet maps no energy.
        if any(v.unknown and v.mwh is not None and v.mwh > 0 for v in fuels.values()):
            flags.add("UNKNOWN_FUEL_MAPPED")
        absent_fuels = {fuel for (r, rs, fuel) in self.absent if r == region and rs == res}
        if absent_fuels:
            flags.add("SERIES_ABSENT")
        published = {f: v.mwh for f, v in fuels.items() if v.mwh is not None}
        any_published = bool(published)
        for fuel in absent_fuels - set(published):
            published[fuel] = D(0)  # §4.1: a 404 series is 0 MWh
        missing = (expected - absent_fuels) - set(published)
        price = self.price(res, t)
        if price is None:
            flags.add("PRICE_MISSING")  # §3.2 step 5

        generation = sum(published.values(), D(0))
        dispatched = {f: g for f, g in published.items() if g > THETA}  # F+(t)
        lookup = {f: self.factors.lookup(f, region, scope, t, end) for f in dispatched}
        if any(inside for _, inside in lookup.values()):
            flags.add("FACTOR_BOUNDARY_INSIDE_INTERVAL")
        factor = {f: fl.g_per_kwh for f, (fl, _) in lookup.items() if fl is not None}
        factor_ids = sorted({fl.factor_id for fl, _ in lookup.values() if fl is not None})

        if not any_published:
            status = NO_GENERATION_DATA
        elif missing:
            status = INCOMPLETE_GENERATION  # §4.1: no partial intensities
        elif generation == 0:
            status = ZERO_GENERATION  # §4.2
        elif set(factor) != set(dispatched):
            status = NO_FACTOR  # §1.3 rule 3
        else:
            status = OK
        complete = status in (OK, ZERO_GENERATION, NO_FACTOR)
        emissions = sum((g * factor[f] for f, g in dispatched.items()), D(0)) if status in (OK, ZERO_GENERATION) \
            else None
        row = GridRow(
            region=region, interval_start_utc=t, interval_end_utc=end, resolution=res, scope=scope,
            generation_mwh=generation if complete else None, emissions_kg=emissions,
            average_intensity_g_per_kwh=emissions / generation if status == OK else None,  # type: ignore[operator]
            marginal_fuel=None, merit_order_intensity_g_per_kwh=None, worst_fuel=None,
            worst_emitter_intensity_g_per_kwh=None, price_eur_per_mwh=price, status=status,
            merit_order_status=status, flags=[], factor_ids=factor_ids,
        )
        if status == OK:
            self._worst_emitter(row, dispatched, factor, lookup, t)
            self._merit_order(row, dispatched, factor, lookup, region, scope, t, end, price)
        if row.merit_order_status == NO_MARGINAL_CANDIDATE:
            flags.add(NO_MARGINAL_CANDIDATE)  # §4.10 lists it among the flags
        if row.merit_order_status != OK:
            row.marginal_fuel = None  # READING: no marginal fuel without a Model 2 intensity
        row.flags = sorted(flags)
        return row

    def _rank(self, fuel: str, t: datetime) -> Rank:
        """§1.4: the rank version effective at the interval start; a fuel without one is no candidate."""
        for v in self.s.ranks:
            if v.fuel == fuel and v.valid_from <= t and (v.valid_to is None or t < v.valid_to):
                return Rank(v.rank, v.is_marginal_candidate)
        return Rank(-1, False)

    def _worst_emitter(self, row: GridRow, dispatched: dict[str, Decimal], factor: dict[str, Decimal],
                       lookup: dict[str, tuple[EmissionFactor | None, bool]], t: datetime) -> None:
        """§3.3: max factor over F+; ties to the higher merit-order rank, then alphabetically."""
        worst = min(dispatched, key=lambda f: (-factor[f], -self._rank(f, t).rank, f))
        row.worst_fuel = worst
        row.worst_emitter_intensity_g_per_kwh = factor[worst]
        row.worst_factor_id = lookup[worst][0].factor_id  # type: ignore[union-attr]

    def _merit_order(self, row: GridRow, dispatched: dict[str, Decimal], factor: dict[str, Decimal],
                     lookup: dict[str, tuple[EmissionFactor | None, bool]], region: str, scope: str, t: datetime,
                     end: datetime, price: Decimal | None) -> None:
        """§3.2 steps 1-5."""
        if price is not None and price <= 0 and RENEWABLE_SURPLUS_TRIGGERS & set(dispatched):
            wind, _ = self.factors.lookup("wind_onshore", region, scope, t, end)
            row.marginal_fuel = RENEWABLE_SURPLUS
            if wind is None:
                row.merit_order_status = NO_FACTOR
                return
            row.merit_order_intensity_g_per_kwh = wind.g_per_kwh
            row.merit_order_factor_id = wind.factor_id
            return
        candidates = [f for f in dispatched if self._rank(f, t).is_marginal_candidate]
        if not candidates:
            row.merit_order_status = NO_MARGINAL_CANDIDATE
            return
        # highest rank; ties to the higher factor (§3.2 step 3); READING: then alphabetically
        marginal = min(candidates, key=lambda f: (-self._rank(f, t).rank, -factor[f], f))
        row.marginal_fuel = marginal
        row.merit_order_intensity_g_per_kwh = factor[marginal]
        row.merit_order_factor_id = lookup[marginal][0].factor_id  # type: ignore[union-attr]

    # ---- §8.3 redispatch
    def redispatch(self) -> dict[tuple[str, str, datetime], dict[str, tuple[Decimal, Decimal]]]:
        """R_up / R_down per (area, resolution, interval) and fuel, and the areas with fallback fuels."""
        self.redispatch_fallback: set[tuple[str, str, datetime]] = set()
        result: dict[tuple[str, str, datetime], dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
        for m in self.s.measures:
            if any(marker in m.reason for marker in TEST_RUN_MARKERS):
                continue  # §8.3 step 4: test runs are not congestion relief
            area = "TenneT" if m.instructing_tso == "TenneT DE" else m.instructing_tso  # §8.3 step 2
            fuel, fallback = self.redispatch_fuel(m)
            if fuel is None:
                continue  # §8.3 step 3: market / foreign, not an area plant (DOCUMENTED: not added to M)
            duration = m.end - m.start
            for res, step in STEP.items():
                t = _floor_step(m.start, step)
                while t < m.end:
                    overlap = min(t + step, m.end) - max(t, m.start)
                    if overlap > timedelta(0):
                        share = m.total_mwh * D(int(overlap.total_seconds())) / D(int(duration.total_seconds()))
                        up, down = result[(area, res, t)].get(fuel, (D(0), D(0)))
                        result[(area, res, t)][fuel] = (up + share, down) if m.direction == "up" \
                            else (up, down + share)
                        if fallback:
                            self.redispatch_fallback.add((area, res, t))
                    t += step
        return result

    def redispatch_fuel(self, m: RedispatchMeasure) -> tuple[str | None, bool]:
        """§8.3 step 3: the plant's fuel; else by class: Konventionell -> unknown, Erneuerbar -> wind_onshore,
        Sonstiges / Börse -> not an area plant (None). DOCUMENTED CHOICE (methodology item 7, issue 14):
        plants are matched on name or name + block, case-insensitively, and only when the name gives one fuel."""
        name = m.affected_plant.strip().lower()
        fuels = {p.fuel for p in self.s.plants
                 if name in {p.name.lower(), f"{p.name} {p.block}".lower() if p.block else p.name.lower()}}
        if len(fuels) == 1:
            return fuels.pop(), False
        if m.affected_plant.startswith("Börse"):
            return None, True
        if m.primary_energy_class == "Konventionell":
            return "unknown", True
        if m.primary_energy_class == "Erneuerbar":
            return "wind_onshore", True
        return None, True

    # ---- Model 4 (§3.4)
    def compute_locality(self) -> None:
        rd = self.redispatch()
        keys = sorted({(res, t, scope) for (region, res, t, scope) in self.grid if region in CONTROL_AREAS})
        for res in (PT15M, PT1H):
            for r, t, scope in keys:
                if r == res:
                    self._locality_interval(res, t, scope, rd)
        for (a, res, t, scope), row in self.locality.items():
            if res == PT1H:  # flags and statuses of the quarter-hours survive re-graining (as for models 1-3)
                flags = set(row.flags)
                for i in range(4):
                    q = self.locality.get((a, PT15M, t + i * QUARTER, scope))
                    if q is not None:
                        flags.update(q.flags)
                        if q.status != OK:
                            flags.add(q.status)
                row.flags = sorted(flags)

    def _locality_interval(self, res: str, t: datetime, scope: str,
                           rd: dict[tuple[str, str, datetime], dict[str, tuple[Decimal, Decimal]]]) -> None:
        end = t + STEP[res]
        grid = {a: self.grid.get((a, res, t, scope)) for a in CONTROL_AREAS}
        load = {a: self.area_load(a, res, t) for a in CONTROL_AREAS}
        # ΔE^RD_a = Σ_f (R_up - R_down)·e_f (kg). READING (int_control_area_balances documents it): None when a
        # redispatched fuel has no factor; the area's intensity is still computed, its redispatch part is not
        # (flag NO_FACTOR).
        delta: dict[str, Decimal | None] = {}
        for a in CONTROL_AREAS:
            total: Decimal | None = D(0)
            for fuel, (up, down) in rd.get((a, res, t), {}).items():
                f, _ = self.factors.lookup(fuel, a, scope, t, end)
                total = None if f is None or total is None else total + (up - down) * f.g_per_kwh
            delta[a] = total
        computable = {a for a in CONTROL_AREAS if grid[a] is not None
                      and grid[a].status in (OK, ZERO_GENERATION) and load[a] is not None}  # type: ignore[union-attr]
        gen = {a: grid[a].generation_mwh for a in computable}  # type: ignore[union-attr]
        emis = {a: grid[a].emissions_kg for a in computable}  # type: ignore[union-attr]
        surplus = {a: max(D(0), gen[a] - load[a]) for a in computable}  # type: ignore[operator]
        deficit = {a: max(D(0), load[a] - gen[a]) for a in computable}  # type: ignore[operator]
        # DOCUMENTED CHOICE (methodology item 6): deficit areas are NULL whenever any of the four areas is not
        # computable. READING (int_locality_intensity): their status is the pool's: the first of PENDING,
        # NO_GENERATION_DATA, INCOMPLETE_GENERATION (also an area without rows), NO_FACTOR, LOAD_MISSING.
        statuses = {grid[a].status for a in CONTROL_AREAS if grid[a] is not None}  # type: ignore[union-attr]
        if PENDING in statuses:
            pool_status = PENDING
        elif NO_GENERATION_DATA in statuses:
            pool_status = NO_GENERATION_DATA
        elif INCOMPLETE_GENERATION in statuses or any(grid[a] is None for a in CONTROL_AREAS):
            pool_status = INCOMPLETE_GENERATION
        elif NO_FACTOR in statuses:
            pool_status = NO_FACTOR
        elif any(load[a] is None for a in CONTROL_AREAS):
            pool_status = LOAD_MISSING
        else:
            pool_status = OK
        s_total = sum(surplus.values(), D(0))
        gap = max(D(0), sum(deficit.values(), D(0)) - s_total)  # M = max(0, D - S)
        de = self.grid.get((GRID_REGION, res, t, scope))
        if pool_status == OK and gap > 0 and (de is None or de.status != OK):
            # I_M = E_DE/G_DE (§3.4 step 3 default) cannot be computed
            pool_status = de.status if de is not None else NO_GENERATION_DATA
        pool = rd_pool = None
        pool_ids: set[str] = set()
        if pool_status == OK and s_total + gap > 0:
            i_m = de.average_intensity_g_per_kwh if gap > 0 else D(0)  # type: ignore[union-attr]
            pool = (sum((surplus[a] * emis[a] / gen[a] for a in computable if surplus[a] > 0), D(0))  # type: ignore[operator]
                    + gap * i_m) / (s_total + gap)  # type: ignore[operator]
            if all(delta[a] is not None for a in computable if surplus[a] > 0):
                # the foreign gap carries 0 (§3.4 Redispatch)
                rd_pool = sum((surplus[a] * delta[a] / gen[a] for a in computable if surplus[a] > 0),  # type: ignore[operator]
                              D(0)) / (s_total + gap)
            for a in computable:
                if surplus[a] > 0:
                    pool_ids.update(grid[a].factor_ids)  # type: ignore[union-attr]
            if gap > 0:
                pool_ids.update(de.factor_ids)  # type: ignore[union-attr]
        for a in CONTROL_AREAS:
            g = grid[a]
            if g is None:
                continue  # no generation data of the area at this grain: no row
            flags = set(g.flags)
            if load[a] is None:
                flags.add(LOAD_MISSING)
            if (a, res, t) in self.redispatch_fallback:
                flags.add("REDISPATCH_FUEL_FALLBACK")
            if delta[a] is None:
                flags.add(NO_FACTOR)
            if pool_status == OK and gap > 0:
                flags.add("BALANCE_GAP_IMPORTED")  # DOCUMENTED CHOICE (item 6): on every area row
            intensity = rd_intensity = None
            ids = set(g.factor_ids)
            if a not in computable:
                status = g.status if g.status not in (OK, ZERO_GENERATION) else LOAD_MISSING
            elif load[a] <= gen[a]:  # type: ignore[operator]
                status = ZERO_GENERATION if gen[a] == 0 else OK  # §4.2: never divide by zero
                if status == OK:
                    intensity = emis[a] / gen[a]  # type: ignore[operator]
                    rd_intensity = delta[a] / gen[a] if delta[a] is not None else None  # type: ignore[operator]
            else:
                status = pool_status
                if status == OK:
                    intensity = (emis[a] + deficit[a] * pool) / load[a]  # type: ignore[operator]
                    rd_intensity = ((delta[a] + deficit[a] * rd_pool) / load[a]  # type: ignore[operator]
                                    if delta[a] is not None and rd_pool is not None else None)
                    ids |= pool_ids
            self.locality[(a, res, t, scope)] = LocalityRow(a, t, res, scope, intensity, rd_intensity, status,
                                                           sorted(flags), sorted(ids))

    # ---- household rows (§2, §3, §4.8, §4.11)
    def household_rows(self) -> list[HouseholdRow]:
        households = {h.home_id: h for h in self.s.households}
        # READING (int_household_intensity_matched): PENDING when the interval starts at or after the end of the
        # region's last interval with generation data (models 1-3: status not PENDING / NO_GENERATION_DATA;
        # locality: also not INCOMPLETE_GENERATION), else NO_GENERATION_DATA.
        self.latest_end: dict[tuple[str, str], datetime] = {}
        for table, model, excluded in ((self.grid, "grid", (PENDING, NO_GENERATION_DATA)),
                                       (self.locality, "locality", (PENDING, NO_GENERATION_DATA,
                                                                    INCOMPLETE_GENERATION))):
            for (region, res, t, _), row in table.items():
                if row.status not in excluded:
                    key = (model, region)
                    self.latest_end[key] = max(self.latest_end.get(key, t), t + STEP[res])
        rows: list[HouseholdRow] = []
        consumption = self.s.consumption
        quarter_hours = {(c.home_id, c.start) for c in consumption if c.resolution == "QUARTER_HOURLY"}
        for c in sorted(consumption, key=lambda c: (c.home_id, c.start, c.resolution)):
            res = TIBBER_RESOLUTION[c.resolution]
            if res == PT1H and all((c.home_id, c.start + i * QUARTER) in quarter_hours for i in range(4)):
                continue  # §2.2: split at the finest grain; the quarter-hours are attributed
            hh = households.get(c.home_id, Household(c.home_id, None))
            kwh, ev, rest, cflags = split_consumption(c.kwh, c.end - c.start, hh, res)
            for scope in SCOPES:
                for model in MODELS:
                    rows.append(self._household_row(c, res, hh, scope, model, kwh, ev, rest, cflags))
        return rows

    def _match(self, region: str, res: str, t: datetime, scope: str, model: str
               ) -> tuple[GridRow | LocalityRow | None, str | None]:
        """§4.8: quarter-hour consumption takes the quarter-hour intensity, else the hourly one (step function)."""
        table: Mapping[tuple[str, str, datetime, str], GridRow | LocalityRow] = \
            self.locality if model == "locality" else self.grid
        row = table.get((region, res, t, scope))
        if row is not None:
            return row, res
        if res == PT15M:
            row = table.get((region, PT1H, _floor_hour(t), scope))
            if row is not None:
                return row, PT1H
        return None, None

    def _household_row(self, c: Consumption, res: str, hh: Household, scope: str, model: str, kwh: Decimal,
                       ev: Decimal, rest: Decimal, cflags: set[str]) -> HouseholdRow:
        flags = set(cflags)
        region = hh.control_area if model == "locality" else GRID_REGION
        intensity = rd = marginal = None
        factor_ids: list[str] = []
        intensity_res = None
        if region is None:
            status = NO_CONTROL_AREA
        else:
            matched, intensity_res = self._match(region, res, c.start, scope, model)
            if matched is None:
                latest = self.latest_end.get(("locality" if model == "locality" else "grid", region))
                status = PENDING if latest is None or c.start >= latest else NO_GENERATION_DATA
            elif isinstance(matched, LocalityRow):
                status = matched.status
                flags.update(matched.flags)
                intensity, rd, factor_ids = matched.intensity_g_per_kwh, matched.rd_intensity_g_per_kwh, \
                    matched.factor_ids
            else:
                flags.update(matched.flags)  # the grid row's flags (also PRICE_MISSING) on every model 1-3
                if model == "average":
                    status = matched.status
                    intensity = matched.average_intensity_g_per_kwh
                    factor_ids = matched.factor_ids
                elif model == "merit_order":
                    status = matched.merit_order_status
                    intensity = matched.merit_order_intensity_g_per_kwh
                    marginal = matched.marginal_fuel
                    factor_ids = [matched.merit_order_factor_id] if matched.merit_order_factor_id else []
                else:
                    status = matched.status
                    intensity = matched.worst_emitter_intensity_g_per_kwh
                    marginal = matched.worst_fuel
                    factor_ids = [matched.worst_factor_id] if matched.worst_factor_id else []
        if status != OK:
            flags.add(status)  # §4.11: the status is a flag too
            intensity = rd = marginal = None
            factor_ids = []  # compared only where there is an intensity

        def kg(kwh_part: Decimal, g: Decimal | None) -> Decimal | None:
            return kwh_part * g / 1000 if g is not None else None

        return HouseholdRow(
            home_id=c.home_id, interval_start_utc=c.start, interval_end_utc=c.end, resolution=res, model=model,
            scope=scope, region_used=region, intensity_resolution=intensity_res,
            consumption_kwh=kwh, ev_kwh=ev, household_kwh=rest, intensity_g_per_kwh=intensity,
            emissions_kg=kg(kwh, intensity), ev_emissions_kg=kg(ev, intensity),
            household_emissions_kg=kg(rest, intensity),
            rd_intensity_g_per_kwh=rd if model == "locality" else None,
            rd_emissions_kg=kg(kwh, rd) if model == "locality" else None,
            marginal_fuel=marginal, status=status, flags=sorted(flags), factor_ids=sorted(factor_ids),
        )


def _floor_step(t: datetime, step: timedelta) -> datetime:
    minutes = int(step.total_seconds() // 60)
    return t.replace(minute=t.minute - t.minute % minutes, second=0, microsecond=0)


def compute(scenario: Scenario) -> Result:
    """Every row of both facts for a scenario (and the Model 4 area rows behind the locality rows)."""
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        oracle = Oracle(scenario)
        oracle.compute_grid()
        oracle.compute_locality()
        household = oracle.household_rows()
        grid = sorted(oracle.grid.values(), key=lambda r: (r.region, r.resolution, r.interval_start_utc, r.scope))
        return Result(grid, household, list(oracle.locality.values()))
