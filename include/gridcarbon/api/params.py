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
HOUSEHOLD_ID = re.compile(r"^[0-9a-f]{64}$")


class GridModel(StrEnum):
    """Attribution models of ``marts.fct_grid_carbon_intensity`` (locality exists per household only)."""

    average = "average"
    merit_order = "merit_order"
    worst_emitter = "worst_emitter"


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
# column pairs (intensity, status) of fct_grid_carbon_intensity per model
GRID_COLUMNS: dict[GridModel, tuple[str, str]] = {
    GridModel.average: ("average_intensity_g_per_kwh", "status"),
    GridModel.merit_order: ("merit_order_intensity_g_per_kwh", "merit_order_status"),
    GridModel.worst_emitter: ("worst_emitter_intensity_g_per_kwh", "status"),
}
RESOLUTION = {Granularity.fifteen_minutes: "PT15M"}  # every other granularity is built from PT1H rows
STEP = {Granularity.fifteen_minutes: timedelta(minutes=15), Granularity.hourly: timedelta(hours=1)}


def parse_model(value: str) -> GridModel:
    if value == "locality":
        raise ApiError(422, "model 'locality' is computed per household and control area, not per zone: "
                            "read it from /households/{household_id}/emissions; zones offer average, merit_order "
                            "and worst_emitter")
    try:
        return GridModel(value)
    except ValueError:
        raise ApiError(422, f"unknown model {value!r}: use one of "
                            f"{', '.join(m.value for m in GridModel)}") from None


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
