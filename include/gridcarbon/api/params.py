"""The API's vocabulary and the checks of its input: zones, models, scopes, granularities, times and ranges.

Every check raises :class:`~gridcarbon.api.errors.ApiError` (the app answers ``{"detail": "..."}``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from gridcarbon.api.errors import ApiError

# the times the API answers for: far enough back for any meter or grid data, far from datetime's limits
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
GERMAN_ZONES = ("DE", "50Hertz", "Amprion", "TenneT", "TransnetBW")
CONTROL_AREAS = GERMAN_ZONES[1:]  # the zones with Model 4 (locality): marts.fct_grid_locality_intensity
HOUSEHOLD_ID = re.compile(r"^[0-9a-f]{64}$")


class GridModel(StrEnum):
    """Attribution models per zone: 1-3 in ``marts.fct_grid_carbon_intensity`` for every zone, 4 (locality) in
    ``marts.fct_grid_locality_intensity`` for the German control areas only."""

    average = "average"
    merit_order = "merit_order"
    worst_emitter = "worst_emitter"
    locality = "locality"


class EmissionFactorType(StrEnum):
    """electricityMaps' ``emissionFactorType``: our ``scope``."""

    lifecycle = "lifecycle"
    direct = "direct"


class Granularity(StrEnum):
    """electricityMaps' ``temporalGranularity`` values we serve (5-minute data does not exist in the marts)."""

    fifteen_minutes = "15_minutes"
    hourly = "hourly"
    daily = "daily"
    monthly = "monthly"
    yearly = "yearly"


class HouseholdGrain(StrEnum):
    interval = "interval"
    day = "day"
    month = "month"


HOUSEHOLD_MODELS = ("average", "merit_order", "worst_emitter", "locality")
SCOPES = ("direct", "lifecycle")


@dataclass(frozen=True)
class GridSource:
    """Where a model's intensity of a zone is: the mart, its intensity and status columns, and the weight (MWh)
    that makes a period's intensity the energy-weighted mean of its intervals (generation for production-based
    models, the area's load for locality, which is an intensity of the area's consumption)."""

    table: str
    intensity: str
    status: str
    weight: str


GRID_SOURCES: dict[GridModel, GridSource] = {
    GridModel.average: GridSource("marts.fct_grid_carbon_intensity", "average_intensity_g_per_kwh", "status",
                                  "generation_mwh"),
    GridModel.merit_order: GridSource("marts.fct_grid_carbon_intensity", "merit_order_intensity_g_per_kwh",
                                      "merit_order_status", "generation_mwh"),
    GridModel.worst_emitter: GridSource("marts.fct_grid_carbon_intensity", "worst_emitter_intensity_g_per_kwh",
                                        "status", "generation_mwh"),
    GridModel.locality: GridSource("marts.fct_grid_locality_intensity", "locality_intensity_g_per_kwh", "status",
                                   "load_mwh"),
}
RESOLUTION = {Granularity.fifteen_minutes: "PT15M"}  # every other granularity is built from PT1H rows
STEP = {Granularity.fifteen_minutes: timedelta(minutes=15), Granularity.hourly: timedelta(hours=1)}


def parse_model(value: str, zone: str | None = None) -> GridModel:
    """The model asked for; with ``zone`` (a resolved zone key) only if it exists for that zone."""
    try:
        model = GridModel(value)
    except ValueError:
        raise ApiError(422, f"unknown model {value[:60]!r}: use one of "
                            f"{', '.join(m.value for m in GridModel)}") from None
    if zone is not None and model is GridModel.locality and zone not in CONTROL_AREAS:
        why = ("DE is the pool the control areas import from, it has no balance of its own"
               if zone == "DE" else "only German control areas have a load balance and a pool to import from")
        raise ApiError(422, f"model 'locality' does not exist for zone {zone}: it is computed per German control "
                            f"area ({', '.join(CONTROL_AREAS)}) from the area's generation, load and the pool of "
                            f"the other areas (DOMAIN §3.4); {why}. {zone} offers average, merit_order and "
                            "worst_emitter")
    return model


def utc(value: datetime, name: str) -> datetime:
    """An aware UTC datetime (naive values are UTC, as electricityMaps reads them) inside the served span."""
    try:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # year 1 with a negative offset, year 9999 with a positive one
        raise ApiError(422, f"{name}={value.isoformat()} is outside the served span "
                            f"{EARLIEST.date()} .. {LATEST.date()}") from None
    if not EARLIEST <= value < LATEST:
        raise ApiError(422, f"{name}={value.isoformat()} is outside the served span "
                            f"{EARLIEST.date()} .. {LATEST.date()}")
    return value


def check_range(start: datetime, end: datetime, limit: timedelta, what: str) -> None:
    if end <= start:
        raise ApiError(400, f"start ({start.isoformat()}) must be before end ({end.isoformat()})")
    if end - start > limit:
        raise ApiError(400, f"the range {start.isoformat()} .. {end.isoformat()} is longer than the "
                            f"{limit.days} days one answer may cover at {what} grain; ask in several parts")


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def parse_timezone(name: str) -> ZoneInfo:
    if name not in _zone_names():
        raise ApiError(422, f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin or UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ApiError(422, f"unknown time zone {name!r}") from None


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_local(value: str, name: str, tz: ZoneInfo) -> datetime:
    """A household-endpoint time: ``YYYY-MM-DD`` (local midnight), a local ``YYYY-MM-DDTHH:MM[:SS]`` or an ISO
    8601 instant with offset or ``Z``; returned as UTC."""
    text = value.strip()
    try:
        if _DATE.match(text):
            parsed = datetime.combine(date.fromisoformat(text), time(), tzinfo=tz)
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=tz)
    except ValueError:
        raise ApiError(422, f"{name}={value!r} is not a date (2025-03-01) or an ISO 8601 date-time "
                            "(2025-03-01T12:00:00Z)") from None
    return utc(parsed, name)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime


def utc_period(instant: datetime, granularity: Granularity) -> Period:
    """The UTC period of ``granularity`` holding ``instant`` (electricityMaps aggregates in UTC)."""
    if granularity in STEP:
        step = STEP[granularity]
        start = EARLIEST + ((instant - EARLIEST) // step) * step
        return Period(start, start + step)
    if granularity is Granularity.daily:
        start = instant.replace(hour=0, minute=0, second=0, microsecond=0)
        return Period(start, start + timedelta(days=1))
    if granularity is Granularity.monthly:
        start = instant.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return Period(start, add_months(start, 1))
    start = instant.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return Period(start, start.replace(year=start.year + 1))


def add_months(day: datetime, months: int) -> datetime:
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def check_household_id(value: str) -> str:
    if not HOUSEHOLD_ID.match(value):
        raise ApiError(422, f"household_id {value[:80]!r} is not a household id (64 lower-case hex characters, "
                            "as listed by /households)")
    return value
