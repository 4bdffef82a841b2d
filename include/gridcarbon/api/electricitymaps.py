"""An electricityMaps v3-compatible subset over ``marts.fct_grid_carbon_intensity``.

Clients that speak electricityMaps v3 (Home Assistant's ``aioelectricitymaps``, codecarbon, evcc, the Carbon
Aware SDK, Electricity Maps' own Airflow provider) can point their base URL at ``<airflow>/gridcarbon/v3`` and
send an Airflow JWT as their token. What differs from electricityMaps, on purpose:

- **Zones** are the regions of the marts: ``DE``, the control areas ``50Hertz``, ``Amprion``, ``TenneT``,
  ``TransnetBW`` and the US balancing authorities/ISOs with data (``/v3/zones``); matched case-insensitively.
- **Intensities are production-based** (DOMAIN §3), not flow-traced consumption intensities. ``model`` (ours)
  picks the attribution model: ``average`` (default), ``merit_order`` or ``worst_emitter``;
  ``emissionFactorType`` picks the scope (``lifecycle``, electricityMaps' default, or ``direct``).
- **Nothing is estimated.** Only intervals with status ``OK`` are served, with ``isEstimated: false``. An interval
  whose intensity is not final (``PENDING``: consumption newer than the grid data; ``INCOMPLETE_GENERATION``,
  ``NO_GENERATION_DATA``, ...) is left out of ``history`` and ``past-range``, ``latest`` is the newest final
  interval, and ``past`` answers 404 naming the status. A day, month or year (``temporalGranularity``) is served
  only when every hour of it is final (UTC calendar, as electricityMaps aggregates); its intensity is the
  generation-weighted mean of its hours (for ``average`` exactly the period's emissions / generation).
- ``carbonIntensity`` is an integer (rounded half up, as electricityMaps publishes it and as its clients parse
  it); ``carbonIntensityExact`` carries the mart's value. ``model``, ``status`` and ``flags`` are added fields.
- ``history`` is the 24 hours (15_minutes/hourly), 30 days, 12 months or 5 years up to the zone's newest
  interval in the marts (not up to now: the marts trail the grid operators' publication).
- ``updatedAt``/``createdAt``: the marts keep no per-value revision time, so both are the time the value was
  read from the warehouse.
- **power-breakdown**: the marts hold the total generation of an interval, not its fuel mix, load or exchanges.
  ``powerProductionTotal`` (MW, mean over the interval) is served; breakdowns are empty and the totals and
  percentages the marts cannot give are ``null`` (never invented). Clients that require them (e.g.
  ``aioelectricitymaps``' power-breakdown models) cannot read these answers.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
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
    updatedAt: str = Field(description="When the value was read from the marts (no per-value revision time).")
    createdAt: str = Field(description="Same as updatedAt.")
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
    updatedAt: str
    createdAt: str
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
    datetime: str
    updatedAt: str
    createdAt: str
    powerConsumptionBreakdown: dict[str, int | None] = Field(description="Empty: not in the marts.")
    powerProductionBreakdown: dict[str, int | None] = Field(description="Empty: the fuel mix is not in the marts.")
    powerImportBreakdown: dict[str, int | None] = Field(description="Empty: not in the marts.")
    powerExportBreakdown: dict[str, int | None] = Field(description="Empty: not in the marts.")
    fossilFreePercentage: int | None = Field(description="null: needs the fuel mix.")
    renewablePercentage: int | None = Field(description="null: needs the fuel mix.")
    powerConsumptionTotal: int | None = Field(description="null: load is not in the marts.")
    powerProductionTotal: int = Field(description="MW, mean over the interval (generation MWh / hours).")
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
           model: GridModel, read_at: str) -> dict[str, Any]:
    value = row["intensity"]
    point = {"carbonIntensity": rounded(value), "carbonIntensityExact": float(value),
             "datetime": iso(row["period_start"]), "updatedAt": read_at, "createdAt": read_at,
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


def _read_at() -> str:
    return iso(datetime.now(UTC))


def _granularity_range(granularity: Granularity, start: datetime, end: datetime) -> Period:
    """[start, end) widened to whole periods of ``granularity``."""
    first = utc_period(start, granularity).start
    last = utc_period(end - timedelta(microseconds=1), granularity).end
    return Period(first, last)


# --------------------------------------------------------------------------------------------- parameters
Zone = Annotated[str | None, Query(description="Zone key (see /v3/zones), e.g. DE, TransnetBW, CISO.",
                                   max_length=64)]
FactorType = Annotated[EmissionFactorType, Query(alias="emissionFactorType",
                                                 description="lifecycle (default) or direct emission factors.")]
TemporalGranularity = Annotated[Granularity, Query(alias="temporalGranularity",
                                                   description="Interval length; days, months and years are "
                                                               "UTC calendar periods built from final hours.")]
Model = Annotated[str, Query(description="Attribution model: average (default), merit_order or worst_emitter "
                                         "(locality: per household only).",
                             json_schema_extra={"enum": ["average", "merit_order", "worst_emitter"]})]
DisableEstimations = Annotated[bool, Query(alias="disableEstimations",
                                           description="Accepted for compatibility; nothing is ever estimated.")]


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
def carbon_intensity_latest(request: Request, zone: Zone = None,
                            emission_factor_type: FactorType = EmissionFactorType.lifecycle,
                            temporal_granularity: TemporalGranularity = Granularity.hourly,
                            model: Model = "average", disable_estimations: DisableEstimations = False,
                            ) -> dict[str, Any]:
    grid_model = parse_model(model)
    key = request.app.state.zones.resolve(request, zone)
    reader = request.app.state.reader
    if temporal_granularity in STEP:
        row = queries.grid_newest(reader, key, emission_factor_type.value,
                                  RESOLUTION.get(temporal_granularity, "PT1H"), grid_model, final_only=True)
        if row is None or row["intensity"] is None:
            raise ApiError(404, f"{key} has no final {temporal_granularity.value} carbon intensity "
                                f"({emission_factor_type.value}, {grid_model.value}) in the marts yet")
        return _point({**row, "period_start": row["interval_start_utc"]}, key, temporal_granularity,
                      emission_factor_type, grid_model, _read_at())
    newest = queries.grid_newest(reader, key, emission_factor_type.value, "PT1H", grid_model, final_only=True)
    if newest is not None:
        window = _granularity_range(temporal_granularity, _history_start(temporal_granularity,
                                                                          newest["interval_end_utc"]),
                                    newest["interval_end_utc"])
        points = final_points(request, key, emission_factor_type, grid_model, temporal_granularity,
                              window.start, window.end)
        if points:
            return _point(points[-1], key, temporal_granularity, emission_factor_type, grid_model, _read_at())
    raise ApiError(404, f"{key} has no complete {temporal_granularity.value} period with a final carbon "
                        f"intensity ({emission_factor_type.value}, {grid_model.value}) in the marts yet")


def _history_start(granularity: Granularity, end: datetime) -> datetime:
    if granularity in HISTORY:
        return end - HISTORY[granularity]
    return add_months(utc_period(end, Granularity.monthly).start, -HISTORY_MONTHS[granularity])


@router.get("/carbon-intensity/history", response_model=CarbonIntensityHistory, responses=ERRORS,
            summary="Final carbon intensities of the last 24 hours of data of a zone")
def carbon_intensity_history(request: Request, zone: Zone = None,
                             emission_factor_type: FactorType = EmissionFactorType.lifecycle,
                             temporal_granularity: TemporalGranularity = Granularity.hourly,
                             model: Model = "average", disable_estimations: DisableEstimations = False,
                             ) -> dict[str, Any]:
    grid_model = parse_model(model)
    key = request.app.state.zones.resolve(request, zone)
    resolution = RESOLUTION.get(temporal_granularity, "PT1H")
    newest = queries.grid_newest(request.app.state.reader, key, emission_factor_type.value, resolution,
                                 grid_model, final_only=False)
    if newest is None:
        return {"zone": key, "history": []}
    end = newest["interval_end_utc"]
    start = _history_start(temporal_granularity, end)
    if temporal_granularity not in STEP:
        window = _granularity_range(temporal_granularity, start, end)
        start, end = window.start, window.end
    read_at = _read_at()
    points = final_points(request, key, emission_factor_type, grid_model, temporal_granularity, start, end)
    return {"zone": key, "history": [_point(p, None, temporal_granularity, emission_factor_type, grid_model,
                                            read_at) for p in points]}


@router.get("/carbon-intensity/past", response_model=CarbonIntensity, responses=ERRORS,
            summary="Final carbon intensity of a zone at a point in time")
def carbon_intensity_past(request: Request,
                          datetime_: Annotated[datetime, Query(alias="datetime", description=(
                              "ISO 8601; the interval or period holding it is answered (naive = UTC)."))],
                          zone: Zone = None,
                          emission_factor_type: FactorType = EmissionFactorType.lifecycle,
                          temporal_granularity: TemporalGranularity = Granularity.hourly,
                          model: Model = "average", disable_estimations: DisableEstimations = False,
                          ) -> dict[str, Any]:
    grid_model = parse_model(model)
    instant = utc(datetime_, "datetime")
    key = request.app.state.zones.resolve(request, zone)
    period = utc_period(instant, temporal_granularity)
    points = final_points(request, key, emission_factor_type, grid_model, temporal_granularity,
                          period.start, period.end)
    if points:
        return _point(points[0], key, temporal_granularity, emission_factor_type, grid_model, _read_at())
    if temporal_granularity in STEP:
        rows = queries.grid_intervals(request.app.state.reader, key, emission_factor_type.value,
                                      RESOLUTION.get(temporal_granularity, "PT1H"), grid_model,
                                      period.start, period.end)
        if rows:
            raise ApiError(404, f"{key} {iso(period.start)}: status {rows[0]['status']}, no final carbon "
                                "intensity (yet)")
    raise ApiError(404, f"{key} has no final {temporal_granularity.value} carbon intensity for "
                        f"{iso(period.start)} .. {iso(period.end)} in the marts")


@router.get("/carbon-intensity/past-range", response_model=CarbonIntensityRange, responses=ERRORS,
            summary="Final carbon intensities of a zone in [start, end)")
def carbon_intensity_past_range(request: Request,
                                start: Annotated[datetime, Query(description="ISO 8601, inclusive (naive = UTC).")],
                                end: Annotated[datetime, Query(description="ISO 8601, exclusive (naive = UTC).")],
                                zone: Zone = None,
                                emission_factor_type: FactorType = EmissionFactorType.lifecycle,
                                temporal_granularity: TemporalGranularity = Granularity.hourly,
                                model: Model = "average", disable_estimations: DisableEstimations = False,
                                ) -> dict[str, Any]:
    grid_model = parse_model(model)
    first, last = utc(start, "start"), utc(end, "end")
    check_range(first, last, request.app.state.settings.limit(temporal_granularity.value),
                temporal_granularity.value)
    key = request.app.state.zones.resolve(request, zone)
    read_at = _read_at()
    points = final_points(request, key, emission_factor_type, grid_model, temporal_granularity, first, last)
    return {"zone": key, "data": [_point(p, None, temporal_granularity, emission_factor_type, grid_model, read_at)
                                  for p in points]}


def _breakdown(row: dict[str, Any], granularity: Granularity, read_at: str) -> dict[str, Any]:
    hours = (row["interval_end_utc"] - row["interval_start_utc"]) / timedelta(hours=1)
    return {"datetime": iso(row["interval_start_utc"]), "updatedAt": read_at, "createdAt": read_at,
            "powerConsumptionBreakdown": {}, "powerProductionBreakdown": {}, "powerImportBreakdown": {},
            "powerExportBreakdown": {}, "fossilFreePercentage": None, "renewablePercentage": None,
            "powerConsumptionTotal": None, "powerProductionTotal": rounded(row["generation_mwh"] / Decimal(hours)),
            "powerImportTotal": None, "powerExportTotal": None, "isEstimated": False, "estimationMethod": None,
            "temporalGranularity": granularity.value}


BreakdownGranularity = Annotated[Granularity, Query(alias="temporalGranularity",
                                                    description="15_minutes or hourly (others: 422).")]


def _interval_granularity(granularity: Granularity) -> str:
    if granularity not in STEP:
        raise ApiError(422, f"power-breakdown is served for 15_minutes and hourly, not {granularity.value}")
    return RESOLUTION.get(granularity, "PT1H")


@router.get("/power-breakdown/latest", response_model=PowerBreakdown, responses=ERRORS,
            summary="Newest interval with complete generation (total only, see the module description)")
def power_breakdown_latest(request: Request, zone: Zone = None,
                           temporal_granularity: BreakdownGranularity = Granularity.hourly,
                           disable_estimations: DisableEstimations = False) -> dict[str, Any]:
    resolution = _interval_granularity(temporal_granularity)
    key = request.app.state.zones.resolve(request, zone)
    rows = request.app.state.reader.rows(f"""
        select interval_start_utc, interval_end_utc, generation_mwh from {queries.GRID}
        where region = %(zone)s and scope = 'direct' and resolution = %(resolution)s and generation_mwh is not null
        order by interval_start_utc desc limit 1""", {"zone": key, "resolution": resolution})
    if not rows:
        raise ApiError(404, f"{key} has no interval with complete generation in the marts yet")
    return {"zone": key, **_breakdown(rows[0], temporal_granularity, _read_at())}


@router.get("/power-breakdown/history", response_model=PowerBreakdownHistory, responses=ERRORS,
            summary="Intervals with complete generation of the last 24 hours of data of a zone")
def power_breakdown_history(request: Request, zone: Zone = None,
                            temporal_granularity: BreakdownGranularity = Granularity.hourly,
                            disable_estimations: DisableEstimations = False) -> dict[str, Any]:
    resolution = _interval_granularity(temporal_granularity)
    key = request.app.state.zones.resolve(request, zone)
    rows = request.app.state.reader.rows(f"""
        with newest as (
            select max(interval_end_utc) as end_utc from {queries.GRID}
            where region = %(zone)s and scope = 'direct' and resolution = %(resolution)s
        )
        select interval_start_utc, interval_end_utc, generation_mwh from {queries.GRID}, newest
        where region = %(zone)s and scope = 'direct' and resolution = %(resolution)s
          and generation_mwh is not null
          and interval_start_utc >= newest.end_utc - interval '24 hours'
        order by interval_start_utc""", {"zone": key, "resolution": resolution})
    read_at = _read_at()
    return {"zone": key, "history": [_breakdown(r, temporal_granularity, read_at) for r in rows]}
