"""An electricityMaps v3-compatible subset over ``marts.fct_grid_carbon_intensity``.

Clients that speak electricityMaps v3 (Home Assistant's ``aioelectricitymaps``, codecarbon, evcc, the Carbon
Aware SDK, Electricity Maps' own Airflow provider) can point their base URL at ``<airflow>/gridcarbon/v3`` and
send an Airflow JWT as their token. What differs from electricityMaps, on purpose:

- **Zones** are the regions of the marts: ``DE``, the control areas ``50Hertz``, ``Amprion``, ``TenneT``,
  ``TransnetBW`` and the US balancing authorities/ISOs with data (``/v3/zones``); matched case-insensitively.
- **Intensities are production-based** (DOMAIN §3), not flow-traced consumption intensities. ``model`` (ours)
  picks the attribution model: ``average`` (default), ``merit_order``, ``worst_emitter`` for every zone, and
  ``locality`` (Model 4, ``marts.fct_grid_locality_intensity``) for the four German control areas only: it needs
  an area's load balance and the pool of the other areas, so ``DE`` and US zones answer 422 saying so.
  ``emissionFactorType`` picks the scope (``lifecycle``, electricityMaps' default, or ``direct``).
- **Nothing is estimated.** Only intervals with status ``OK`` are served, with ``isEstimated: false``. An interval
  whose intensity is not final (``PENDING``: consumption newer than the grid data; ``INCOMPLETE_GENERATION``,
  ``NO_GENERATION_DATA``, ...) is left out of ``history`` and ``past-range``, ``latest`` is the newest final
  interval, and ``past`` answers 404 naming the status. A day, month or year (``temporalGranularity``) is served
  only when every hour of it is final (UTC calendar, as electricityMaps aggregates); its intensity is the
  generation-weighted mean of its hours (for ``average`` exactly the period's emissions / generation; for
  ``locality`` load-weighted).
- ``carbonIntensity`` is an integer (rounded half up, as electricityMaps publishes it and as its clients parse
  it); ``carbonIntensityExact`` carries the mart's value. ``model``, ``status`` and ``flags`` are added fields.
- ``history`` is the 24 hours (15_minutes/hourly), 30 days, 12 months or 5 years up to the zone's newest
  interval in the marts (not up to now: the marts trail the grid operators' publication).
- ``updatedAt``: when the value's input was last loaded: the newest load time of the interval's generation data
  (``marts.fct_grid_generation_by_fuel.source_loaded_at``; for a day/month/year the newest of its hours; for
  ``locality`` of every German region, since the pool enters). Never the time of the answer. ``createdAt``: the
  same (no first-load time is kept).
- **power-breakdown** (``marts.fct_grid_generation_by_fuel``): ``powerProductionBreakdown`` is the mean power (MW)
  per electricityMaps key over the interval (our fuels mapped as the dbt docs of that mart show; a key no fuel of
  the zone maps to is ``null``), ``powerProductionTotal`` their sum, ``fossilFreePercentage`` and
  ``renewablePercentage`` shares of that **production** (electricityMaps: of the flow-traced consumption). The
  marts hold no flows, so ``powerConsumptionBreakdown``, ``powerImportBreakdown`` and ``powerExportBreakdown`` are
  empty and ``powerConsumptionTotal``, ``powerImportTotal`` and ``powerExportTotal`` are ``null`` (never invented).
  Only intervals whose generation is complete are served. Clients that require those totals as numbers (e.g.
  ``aioelectricitymaps``' power-breakdown models) cannot read these answers.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from gridcarbon.api import queries
from gridcarbon.api.errors import ERRORS, ApiError
from gridcarbon.api.params import (
    GERMAN_ZONES,
    RESOLUTION,
    STEP,
    EmissionFactorType,
    Granularity,
    GridModel,
    Period,
    add_months,
    check_range,
    parse_model,
    utc,
    utc_period,
)

router = APIRouter(prefix="/v3", tags=["electricityMaps v3 (subset)"])

ZONE_NAMES = {"DE": "Germany", "50Hertz": "50Hertz control area", "Amprion": "Amprion control area",
              "TenneT": "TenneT control area", "TransnetBW": "TransnetBW control area"}
HISTORY = {Granularity.fifteen_minutes: timedelta(hours=24), Granularity.hourly: timedelta(hours=24),
           Granularity.daily: timedelta(days=30)}
HISTORY_MONTHS = {Granularity.monthly: 12, Granularity.yearly: 60}
REREAD = 30.0


# --------------------------------------------------------------------------------------------- responses
class CarbonIntensity(BaseModel):
    zone: str = Field(description="Zone key as in /v3/zones.")
    carbonIntensity: int = Field(description="gCO2eq/kWh, rounded half up to an integer.")
    carbonIntensityExact: float = Field(description="gCO2eq/kWh as the mart holds it (added field).")
    datetime: str = Field(description="Start of the interval or period (UTC, ISO 8601).")
    updatedAt: str | None = Field(description="When the value's input (the interval's generation) was last loaded.")
    createdAt: str | None = Field(description="Same as updatedAt (no first-load time is kept).")
    emissionFactorType: EmissionFactorType
    isEstimated: bool = Field(description="Always false: intervals without a final value are not served.")
    estimationMethod: str | None = Field(description="Always null (nothing is estimated).")
    temporalGranularity: Granularity
    model: GridModel = Field(description="Attribution model (added parameter and field).")
    status: str = Field(description="Status of the interval in the marts: always OK here (added field).")
    flags: list[str] = Field(default_factory=list, description="Data-quality flags of the interval (added field).")


class CarbonIntensityPoint(BaseModel):
    carbonIntensity: int
    carbonIntensityExact: float
    datetime: str
    updatedAt: str | None
    createdAt: str | None
    emissionFactorType: EmissionFactorType
    isEstimated: bool
    estimationMethod: str | None
    temporalGranularity: Granularity
    model: GridModel
    status: str
    flags: list[str] = Field(default_factory=list)


class CarbonIntensityHistory(BaseModel):
    zone: str
    history: list[CarbonIntensityPoint] = Field(description="Final intervals, oldest first.")


class CarbonIntensityRange(BaseModel):
    zone: str
    data: list[CarbonIntensityPoint] = Field(description="Final intervals in [start, end), oldest first.")


class PowerBreakdownPoint(BaseModel):
    datetime: str = Field(description="Start of the interval (UTC, ISO 8601).")
    updatedAt: str = Field(description="When the interval's generation data was last loaded.")
    createdAt: str = Field(description="Same as updatedAt (no first-load time is kept).")
    powerConsumptionBreakdown: dict[str, int | None] = Field(description="Empty: no flow tracing in the marts.")
    powerProductionBreakdown: dict[str, int | None] = Field(description=(
        "MW (mean over the interval) per electricityMaps key; null: no fuel of the zone maps to the key."))
    powerImportBreakdown: dict[str, int | None] = Field(description="Empty: no flows in the marts.")
    powerExportBreakdown: dict[str, int | None] = Field(description="Empty: no flows in the marts.")
    fossilFreePercentage: int | None = Field(description="Share of production (%) from fuels known not to be "
                                                          "fossil; null when nothing was produced.")
    renewablePercentage: int | None = Field(description="Share of production (%) from renewable fuels; null when "
                                                         "nothing was produced.")
    powerConsumptionTotal: int | None = Field(description="null: no flows in the marts.")
    powerProductionTotal: int = Field(description="MW, mean over the interval (sum of the breakdown).")
    powerImportTotal: int | None = Field(description="null: not in the marts.")
    powerExportTotal: int | None = Field(description="null: not in the marts.")
    isEstimated: bool
    estimationMethod: str | None
    temporalGranularity: Granularity


class PowerBreakdown(PowerBreakdownPoint):
    zone: str


class PowerBreakdownHistory(BaseModel):
    zone: str
    history: list[PowerBreakdownPoint]


class ZoneEntry(BaseModel):
    zoneName: str
    countryName: str | None = None
    sourceSystems: list[str] = Field(default_factory=list, description="smard, eia or iso (added field).")
    firstDatetime: str | None = Field(default=None, description="Start of the oldest interval (added field).")
    lastFinalDatetime: str | None = Field(default=None, description="End of the newest final interval (added).")


# --------------------------------------------------------------------------------------------- helpers
def iso(value: datetime) -> str:
    """electricityMaps' datetime format: UTC with milliseconds and Z."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def rounded(value: Decimal | float) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class ZoneCatalog:
    """The zones of the grid mart, cached for a few minutes (the mart changes once per transform run)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._rows: list[dict[str, Any]] = []
        self._read_at = -1e18
        self._reread_at = -1e18  # an unknown zone re-reads the catalog at most every REREAD seconds

    def rows(self, request: Request) -> list[dict[str, Any]]:
        if time.monotonic() - self._read_at > self.ttl:
            self._rows = queries.zone_catalog(request.app.state.reader)
            self._read_at = time.monotonic()
        return self._rows

    def resolve(self, request: Request, zone: str | None) -> str:
        if not zone:
            raise ApiError(422, "zone is required (lat/lon look-up is not supported): see /v3/zones")
        keys = {row["region"].lower(): row["region"] for row in self.rows(request)}
        found = keys.get(zone.strip().lower())
        if found is None and time.monotonic() - self._reread_at > REREAD:
            self._read_at = self._reread_at = time.monotonic() - self.ttl - 1  # a new zone may have arrived
            keys = {row["region"].lower(): row["region"] for row in self.rows(request)}
            found = keys.get(zone.strip().lower())
        if found is None:
            known = ", ".join(sorted(keys.values())) or "none yet (the marts are empty)"
            raise ApiError(404, f"unknown zone {zone[:60]!r}: zones with data are {known}")
        return found


def _point(row: dict[str, Any], zone: str | None, granularity: Granularity, scope: EmissionFactorType,
           model: GridModel) -> dict[str, Any]:
    value = row["intensity"]
    updated = iso(row["updated_at"]) if row.get("updated_at") else None
    point = {"carbonIntensity": rounded(value), "carbonIntensityExact": float(value),
             "datetime": iso(row["period_start"]), "updatedAt": updated, "createdAt": updated,
             "emissionFactorType": scope.value, "isEstimated": False, "estimationMethod": None,
             "temporalGranularity": granularity.value, "model": model.value, "status": "OK",
             "flags": list(row.get("flags") or [])}
    if zone is not None:
        point = {"zone": zone, **point}
    return point


def final_points(request: Request, zone: str, scope: EmissionFactorType, model: GridModel,
                 granularity: Granularity, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Final intervals or periods of ``granularity`` starting in [start, end), oldest first."""
    reader = request.app.state.reader
    if granularity in STEP:
        rows = queries.grid_intervals(reader, zone, scope.value, RESOLUTION.get(granularity, "PT1H"), model,
                                      start, end)
        return [{**r, "period_start": r["interval_start_utc"]} for r in rows
                if r["status"] == "OK" and r["intensity"] is not None]
    unit = {Granularity.daily: "day", Granularity.monthly: "month", Granularity.yearly: "year"}[granularity]
    periods = []
    for row in queries.grid_periods(reader, zone, scope.value, model, unit, start, end):
        period = utc_period(row["period_start"], granularity)
        hours = (period.end - period.start) / timedelta(hours=1)
        if row["final_hours"] == hours and row["intensity"] is not None:
            periods.append({**row, "period_start": period.start, "flags": []})
    return periods


def _granularity_range(granularity: Granularity, start: datetime, end: datetime) -> Period:
    """[start, end) widened to whole periods of ``granularity``."""
    first = utc_period(start, granularity).start
    last = utc_period(end - timedelta(microseconds=1), granularity).end
    return Period(first, last)


def _history_start(granularity: Granularity, end: datetime) -> datetime:
    if granularity in HISTORY:
        return end - HISTORY[granularity]
    return add_months(utc_period(end, Granularity.monthly).start, -HISTORY_MONTHS[granularity])


# --------------------------------------------------------------------------------------------- parameters
Zone = Annotated[str | None, Query(description="Zone key (see /v3/zones), e.g. DE, TransnetBW, CISO.",
                                   max_length=64)]
FactorType = Annotated[EmissionFactorType, Query(alias="emissionFactorType",
                                                 description="lifecycle (default) or direct emission factors.")]
TemporalGranularity = Annotated[Granularity, Query(alias="temporalGranularity",
                                                   description="Interval length; days, months and years are "
                                                               "UTC calendar periods built from final hours.")]
Model = Annotated[str, Query(description="Attribution model: average (default), merit_order, worst_emitter, or "
                                         "locality (German control areas only).",
                             json_schema_extra={"enum": [m.value for m in GridModel]})]
DisableEstimations = Annotated[bool, Query(alias="disableEstimations",
                                           description="Accepted for compatibility; nothing is ever estimated.")]


class IntensityQuery:
    """The parameters every /v3/carbon-intensity endpoint takes (a FastAPI dependency)."""

    def __init__(self, zone: Zone = None, emission_factor_type: FactorType = EmissionFactorType.lifecycle,
                 temporal_granularity: TemporalGranularity = Granularity.hourly, model: Model = "average",
                 disable_estimations: DisableEstimations = False) -> None:
        self.zone = zone
        self.scope = emission_factor_type
        self.granularity = temporal_granularity
        self.model_name = model

    def resolve(self, request: Request) -> tuple[str, GridModel]:
        """The zone key and the model: 422 for an unknown model or one the zone does not have, 404 for an
        unknown zone."""
        parse_model(self.model_name)
        key = request.app.state.zones.resolve(request, self.zone)
        return key, parse_model(self.model_name, key)

    def point(self, row: dict[str, Any], zone: str | None, model: GridModel) -> dict[str, Any]:
        return _point(row, zone, self.granularity, self.scope, model)


Intensity = Annotated[IntensityQuery, Depends()]


# --------------------------------------------------------------------------------------------- routes
@router.get("/zones", response_model=dict[str, ZoneEntry], responses=ERRORS,
            summary="Zones with carbon intensity in the marts")
def zones(request: Request) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for row in request.app.state.zones.rows(request):
        region = row["region"]
        systems = sorted(row["source_systems"] or [])
        country = "Germany" if region in GERMAN_ZONES else ("United States" if {"eia", "iso"} & set(systems)
                                                             else None)
        out[region] = {"zoneName": ZONE_NAMES.get(region, region), "countryName": country,
                       "sourceSystems": systems,
                       "firstDatetime": iso(row["first_start"]) if row["first_start"] else None,
                       "lastFinalDatetime": iso(row["last_final_end"]) if row["last_final_end"] else None}
    return out


@router.get("/carbon-intensity/latest", response_model=CarbonIntensity, responses=ERRORS,
            summary="Newest final carbon intensity of a zone")
def carbon_intensity_latest(request: Request, q: Intensity) -> dict[str, Any]:
    key, grid_model = q.resolve(request)
    reader = request.app.state.reader
    what = f"({q.scope.value}, {grid_model.value})"
    if q.granularity in STEP:
        row = queries.grid_newest(reader, key, q.scope.value, RESOLUTION.get(q.granularity, "PT1H"), grid_model,
                                  final_only=True)
        if row is None or row["intensity"] is None:
            raise ApiError(404, f"{key} has no final {q.granularity.value} carbon intensity {what} in the marts yet")
        return q.point({**row, "period_start": row["interval_start_utc"]}, key, grid_model)
    newest = queries.grid_newest(reader, key, q.scope.value, "PT1H", grid_model, final_only=True)
    if newest is not None:
        window = _granularity_range(q.granularity, _history_start(q.granularity, newest["interval_end_utc"]),
                                    newest["interval_end_utc"])
        points = final_points(request, key, q.scope, grid_model, q.granularity, window.start, window.end)
        if points:
            return q.point(points[-1], key, grid_model)
    raise ApiError(404, f"{key} has no complete {q.granularity.value} period with a final carbon intensity {what} "
                        "in the marts yet")


@router.get("/carbon-intensity/history", response_model=CarbonIntensityHistory, responses=ERRORS,
            summary="Final carbon intensities of the last 24 hours of data of a zone")
def carbon_intensity_history(request: Request, q: Intensity) -> dict[str, Any]:
    key, grid_model = q.resolve(request)
    resolution = RESOLUTION.get(q.granularity, "PT1H")
    newest = queries.grid_newest(request.app.state.reader, key, q.scope.value, resolution, grid_model,
                                 final_only=False)
    if newest is None:
        return {"zone": key, "history": []}
    end = newest["interval_end_utc"]
    start = _history_start(q.granularity, end)
    if q.granularity not in STEP:
        window = _granularity_range(q.granularity, start, end)
        start, end = window.start, window.end
    points = final_points(request, key, q.scope, grid_model, q.granularity, start, end)
    return {"zone": key, "history": [q.point(p, None, grid_model) for p in points]}


@router.get("/carbon-intensity/past", response_model=CarbonIntensity, responses=ERRORS,
            summary="Final carbon intensity of a zone at a point in time")
def carbon_intensity_past(request: Request, q: Intensity,
                          datetime_: Annotated[datetime, Query(alias="datetime", description=(
                              "ISO 8601; the interval or period holding it is answered (naive = UTC)."))],
                          ) -> dict[str, Any]:
    parse_model(q.model_name)
    instant = utc(datetime_, "datetime")
    key, grid_model = q.resolve(request)
    period = utc_period(instant, q.granularity)
    points = final_points(request, key, q.scope, grid_model, q.granularity, period.start, period.end)
    if points:
        return q.point(points[0], key, grid_model)
    if q.granularity in STEP:
        rows = queries.grid_intervals(request.app.state.reader, key, q.scope.value,
                                      RESOLUTION.get(q.granularity, "PT1H"), grid_model, period.start, period.end)
        if rows:
            raise ApiError(404, f"{key} {iso(period.start)}: status {rows[0]['status']}, no final carbon "
                                "intensity (yet)")
    raise ApiError(404, f"{key} has no final {q.granularity.value} carbon intensity for "
                        f"{iso(period.start)} .. {iso(period.end)} in the marts")


@router.get("/carbon-intensity/past-range", response_model=CarbonIntensityRange, responses=ERRORS,
            summary="Final carbon intensities of a zone in [start, end)")
def carbon_intensity_past_range(request: Request, q: Intensity,
                                start: Annotated[datetime, Query(description="ISO 8601, inclusive (naive = UTC).")],
                                end: Annotated[datetime, Query(description="ISO 8601, exclusive (naive = UTC).")],
                                ) -> dict[str, Any]:
    parse_model(q.model_name)
    first, last = utc(start, "start"), utc(end, "end")
    check_range(first, last, request.app.state.settings.limit(q.granularity.value), q.granularity.value)
    key, grid_model = q.resolve(request)
    points = final_points(request, key, q.scope, grid_model, q.granularity, first, last)
    return {"zone": key, "data": [q.point(p, None, grid_model) for p in points]}


# --------------------------------------------------------------------------------------------- power breakdown
# electricityMaps' production keys (docs block electricitymaps_fuel_keys maps our fuels onto them)
BREAKDOWN_KEYS = ("nuclear", "geothermal", "biomass", "coal", "wind", "solar", "hydro", "gas", "oil", "unknown",
                  "hydro discharge", "battery discharge")


def _percentage(part: Decimal | None, total: Decimal) -> int | None:
    return rounded(100 * (part or Decimal(0)) / total) if total else None


def _breakdown(row: dict[str, Any], granularity: Granularity) -> dict[str, Any]:
    powers = row["powers"] or {}
    total = Decimal(str(row["total_mw"] or 0))
    updated = iso(row["updated_at"])
    return {"datetime": iso(row["interval_start_utc"]), "updatedAt": updated, "createdAt": updated,
            "powerConsumptionBreakdown": {},
            "powerProductionBreakdown": {key: rounded(powers[key]) if powers.get(key) is not None else None
                                         for key in BREAKDOWN_KEYS},
            "powerImportBreakdown": {}, "powerExportBreakdown": {},
            "fossilFreePercentage": _percentage(row["fossil_free_mw"], total),
            "renewablePercentage": _percentage(row["renewable_mw"], total),
            "powerConsumptionTotal": None, "powerProductionTotal": rounded(total),
            "powerImportTotal": None, "powerExportTotal": None, "isEstimated": False, "estimationMethod": None,
            "temporalGranularity": granularity.value}


class BreakdownQuery:
    """The parameters of the /v3/power-breakdown endpoints (a FastAPI dependency)."""

    def __init__(self, zone: Zone = None,
                 temporal_granularity: Annotated[Granularity, Query(
                     alias="temporalGranularity", description="15_minutes or hourly (others: 422).")]
                 = Granularity.hourly,
                 disable_estimations: DisableEstimations = False) -> None:
        self.zone = zone
        self.granularity = temporal_granularity

    def resolve(self, request: Request) -> tuple[str, str]:
        """The zone key and the resolution of the mart's intervals."""
        if self.granularity not in STEP:
            raise ApiError(422, f"power-breakdown is served for 15_minutes and hourly, not {self.granularity.value}")
        return request.app.state.zones.resolve(request, self.zone), RESOLUTION.get(self.granularity, "PT1H")


Breakdown = Annotated[BreakdownQuery, Depends()]


@router.get("/power-breakdown/latest", response_model=PowerBreakdown, responses=ERRORS,
            summary="Production by fuel of the newest interval with complete generation")
def power_breakdown_latest(request: Request, q: Breakdown) -> dict[str, Any]:
    key, resolution = q.resolve(request)
    rows = queries.breakdown_intervals(request.app.state.reader, key, resolution, newest_only=True)
    if not rows:
        raise ApiError(404, f"{key} has no {q.granularity.value} interval with complete generation in the marts yet")
    return {"zone": key, **_breakdown(rows[0], q.granularity)}


@router.get("/power-breakdown/history", response_model=PowerBreakdownHistory, responses=ERRORS,
            summary="Production by fuel of the intervals with complete generation in the last 24 hours of data")
def power_breakdown_history(request: Request, q: Breakdown) -> dict[str, Any]:
    key, resolution = q.resolve(request)
    reader = request.app.state.reader
    end = queries.breakdown_newest_end(reader, key, resolution)
    if end is None:
        return {"zone": key, "history": []}
    rows = queries.breakdown_intervals(reader, key, resolution, end - timedelta(hours=24), end)
    return {"zone": key, "history": [_breakdown(r, q.granularity) for r in rows]}
