"""Household endpoints: a household's emissions over a range, every attribution model and scope side by side.

The spread between the models is the answer's uncertainty: the same kWh attributed with the average mix, the
marginal (merit-order) plant, the worst plant running and the control area's local mix (DOMAIN §3). Each
period carries consumption split into EV and household (non-EV) parts, and per model and scope the emissions
with the same split, the consumption-weighted effective intensity and how many intervals had no intensity.

Grains:

- ``interval``: the metered intervals (hour or quarter-hour) starting in [start, end), with each model's status;
- ``day``: the household's LOCAL calendar days (its time zone) of the intervals starting in [start, end);
  ``is_complete`` when every hour of the local day is metered (23 or 25 hours on DST days);
- ``month``: the local calendar months overlapping [start, end) from ``marts.agg_household_emissions_monthly``,
  whole months with its ``is_complete``.

``start``/``end``: a date (local midnight of the household), a local date-time without offset, or an ISO 8601
instant with offset or ``Z``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from gridcarbon.api import queries
from gridcarbon.api.errors import ERRORS, ApiError
from gridcarbon.api.params import (
    HOUSEHOLD_MODELS,
    SCOPES,
    HouseholdGrain,
    check_household_id,
    check_range,
    parse_local,
    parse_timezone,
)

router = APIRouter(prefix="/households", tags=["households"])


class Household(BaseModel):
    household_id: str = Field(description="Pseudonymous id (HMAC of the Tibber home id); no address, no name.")
    control_area: str | None
    has_ev: bool
    ev_power_kw: float
    ev_split_rule: str
    timezone: str
    is_configured: bool | None
    first_interval_start: datetime | None = Field(description="Start of the household's oldest interval.")
    last_interval_end: datetime | None = Field(description="End of its newest interval.")
    last_final_interval_end: datetime | None = Field(description="End of its newest interval with an intensity.")


class ModelEmissions(BaseModel):
    emissions_kg: float | None = Field(description="Sum over the period's intervals with an intensity.")
    ev_emissions_kg: float | None
    household_emissions_kg: float | None
    rd_emissions_kg: float | None = Field(description="Locality only: of which caused by redispatch.")
    effective_intensity_g_per_kwh: float | None = Field(
        description="1000 x emissions_kg / attributed kWh (consumption-weighted).")
    attributed_kwh: float = Field(description="Consumption of the intervals with an intensity.")
    unattributed_interval_count: int = Field(description="Intervals without an intensity (status not OK).")
    intensity_g_per_kwh: float | None = Field(default=None, description="interval grain: the model's intensity "
                                                                        "(null unless status OK).")
    status: str | None = Field(default=None, description="interval grain: the model's status of the interval.")
    flags: list[str] | None = Field(default=None, description="interval grain: flags of the interval.")


class Spread(BaseModel):
    min_kg: float
    max_kg: float
    min_model: str
    max_model: str


class HouseholdPeriod(BaseModel):
    period_start: datetime = Field(description="UTC start of the interval, local day or local month.")
    period_end: datetime
    local_date: date | None = Field(description="day/month grain: the local day or the month's first day.")
    resolution: str | None = Field(default=None, description="interval grain: PT1H or PT15M.")
    consumption_kwh: float | None
    ev_kwh: float | None
    household_kwh: float | None
    ev_share: float | None = Field(description="ev_kwh / consumption_kwh (null without consumption).")
    interval_count: int
    covered_hours: float | None = Field(description="Hours of the period with metered intervals.")
    period_hours: float | None = Field(description="Hours of the period (DST-aware for local days/months).")
    is_complete: bool = Field(description="Every hour of the period is metered and inside the range.")
    emissions: dict[str, dict[str, ModelEmissions]] = Field(
        description="model (average, merit_order, worst_emitter, locality) -> scope (direct, lifecycle) -> "
                    "emissions")
    spread: dict[str, Spread | None] = Field(
        description="scope -> lowest and highest emissions over the four models; null unless every model "
                    "attributed every interval of the period (otherwise the models are not comparable).")


class HouseholdEmissions(BaseModel):
    household_id: str
    timezone: str
    grain: HouseholdGrain
    start: datetime
    end: datetime
    models: list[str]
    scopes: list[str]
    periods: list[HouseholdPeriod]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


@router.get("", response_model=list[Household], responses=ERRORS, summary="Households in the marts")
def list_households(request: Request) -> list[dict[str, Any]]:
    return [{**{k: v for k, v in row.items() if k not in ("first_start", "last_end", "last_final_end")},
             "first_interval_start": row["first_start"], "last_interval_end": row["last_end"],
             "last_final_interval_end": row["last_final_end"]}
            for row in queries.households(request.app.state.reader)]


def _period(rows: list[dict[str, Any]], grain: HouseholdGrain, range_start: datetime, range_end: datetime,
            ) -> dict[str, Any]:
    """One period from its (model, scope) rows."""
    first = rows[0]
    emissions: dict[str, dict[str, Any]] = {m: {} for m in HOUSEHOLD_MODELS}
    for row in rows:
        kwh = row["attributed_kwh"] or Decimal(0)
        emissions.setdefault(row["model"], {})[row["scope"]] = {
            "emissions_kg": _float(row["emissions_kg"]), "ev_emissions_kg": _float(row["ev_emissions_kg"]),
            "household_emissions_kg": _float(row["household_emissions_kg"]),
            "rd_emissions_kg": _float(row["rd_emissions_kg"]),
            "effective_intensity_g_per_kwh": (float(1000 * row["emissions_kg"] / kwh)
                                              if kwh and row["emissions_kg"] is not None else None),
            "attributed_kwh": float(kwh), "unattributed_interval_count": int(row["unattributed_interval_count"]),
            **({"intensity_g_per_kwh": _float(row["intensity_g_per_kwh"]), "status": row["status"],
                "flags": list(row["flags"] or [])} if grain is HouseholdGrain.interval else {}),
        }
    spread: dict[str, Any] = {}
    for scope in SCOPES:
        values = [(m, emissions[m].get(scope)) for m in HOUSEHOLD_MODELS]
        if all(v is not None and v["unattributed_interval_count"] == 0 and v["emissions_kg"] is not None
               for _, v in values):
            low = min(values, key=lambda mv: mv[1]["emissions_kg"])  # type: ignore[index]
            high = max(values, key=lambda mv: mv[1]["emissions_kg"])  # type: ignore[index]
            spread[scope] = {"min_kg": low[1]["emissions_kg"], "max_kg": high[1]["emissions_kg"],  # type: ignore[index]
                             "min_model": low[0], "max_model": high[0]}
        else:
            spread[scope] = None
    consumption = first["consumption_kwh"]
    if grain is HouseholdGrain.interval:
        hours = (first["period_end"] - first["period_start"]).total_seconds() / 3600
        covered, period_hours, complete = hours, hours, True
    else:
        covered, period_hours = _float(first["covered_hours"]), _float(first["period_hours"])
        complete = bool(first.get("is_complete", covered is not None and covered == period_hours))
        if grain is HouseholdGrain.day:
            complete = complete and range_start <= first["period_start"] and first["period_end"] <= range_end
    return {
        "period_start": first["period_start"], "period_end": first["period_end"],
        "local_date": first.get("local_date"), "resolution": first.get("resolution"),
        "consumption_kwh": _float(consumption), "ev_kwh": _float(first["ev_kwh"]),
        "household_kwh": _float(first["household_kwh"]),
        "ev_share": float(first["ev_kwh"] / consumption) if consumption and first["ev_kwh"] is not None else None,
        "interval_count": int(first["interval_count"]), "covered_hours": covered, "period_hours": period_hours,
        "is_complete": complete, "emissions": emissions, "spread": spread,
    }


@router.get("/{household_id}/emissions", response_model=HouseholdEmissions, responses=ERRORS,
            summary="Emissions of a household, every model and scope side by side")
def household_emissions(
    request: Request,
    household_id: Annotated[str, Path(description="From /households: 64 lower-case hex characters.",
                                      max_length=64)],
    start: Annotated[str, Query(description="Date (local midnight), local date-time or ISO 8601 instant; "
                                            "inclusive.", max_length=64)],
    end: Annotated[str, Query(description="As start; exclusive.", max_length=64)],
    grain: Annotated[HouseholdGrain, Query(description="interval (at most 31 days), day (400 days) or "
                                                       "month (10 years).")] = HouseholdGrain.day,
) -> dict[str, Any]:
    household_id = check_household_id(household_id)
    reader = request.app.state.reader
    household = queries.household(reader, household_id)
    if household is None:
        raise ApiError(404, f"no household {household_id} in the marts (see /households)")
    tz_name = household["timezone"] or "Europe/Berlin"
    tz = parse_timezone(tz_name)
    first, last = parse_local(start, "start", tz), parse_local(end, "end", tz)
    check_range(first, last, request.app.state.settings.limit(grain.value), grain.value)
    if grain is HouseholdGrain.interval:
        rows = queries.household_intervals(reader, household_id, first, last)
    elif grain is HouseholdGrain.day:
        rows = queries.household_days(reader, household_id, tz_name, first, last)
    else:
        local_first = first.astimezone(tz).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        local_end = last.astimezone(tz)
        rows = queries.household_months(reader, household_id, local_first.replace(tzinfo=None),
                                         local_end.replace(tzinfo=None))
    periods: dict[datetime, list[dict[str, Any]]] = {}
    for row in rows:
        periods.setdefault(row["period_start"], []).append(row)
    return {"household_id": household_id, "timezone": tz_name, "grain": grain, "start": first, "end": last,
            "models": list(HOUSEHOLD_MODELS), "scopes": list(SCOPES),
            "periods": [_period(group, grain, first, last) for group in periods.values()]}
