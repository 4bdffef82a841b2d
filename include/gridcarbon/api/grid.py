"""Grid endpoints of our own (beyond the electricityMaps subset): the hour-by-day heat map of a zone."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from gridcarbon.api import queries
from gridcarbon.api.electricitymaps import Model
from gridcarbon.api.errors import ERRORS
from gridcarbon.api.params import (
    GERMAN_ZONES,
    EmissionFactorType,
    check_range,
    parse_local,
    parse_model,
    parse_timezone,
)

router = APIRouter(prefix="/grid", tags=["grid"])


class HeatmapCell(BaseModel):
    local_date: date
    hour: int = Field(description="Local hour of day, 0-23 (the hour skipped in spring has no cell).")
    intensity_g_per_kwh: float | None = Field(description="null unless every hour of the cell is final.")
    status: str = Field(description="OK, or the first non-OK status of the cell (PENDING, ...).")


class Heatmap(BaseModel):
    zone: str
    model: str
    scope: EmissionFactorType
    timezone: str
    start: str
    end: str
    cells: list[HeatmapCell]


@router.get("/heatmap", response_model=Heatmap, responses=ERRORS,
            summary="Carbon intensity of a zone by local day and hour of day")
def heatmap(
    request: Request,
    zone: Annotated[str | None, Query(description="Zone key, see /v3/zones.", max_length=64)] = None,
    start: Annotated[str | None, Query(description="Date or ISO 8601 (local to `timezone` without offset); "
                                                   "default: 28 days before end.", max_length=64)] = None,
    end: Annotated[str | None, Query(description="As start, exclusive; default: the end of the zone's newest "
                                                 "interval.", max_length=64)] = None,
    model: Model = "average",
    scope: Annotated[EmissionFactorType, Query(description="lifecycle (default) or direct.")] = (
        EmissionFactorType.lifecycle),
    timezone: Annotated[str | None, Query(description="IANA time zone of the days and hours; default "
                                                      "Europe/Berlin for German zones, else UTC.",
                                          max_length=64)] = None,
) -> dict[str, Any]:
    parse_model(model)
    key = request.app.state.zones.resolve(request, zone)
    grid_model = parse_model(model, key)
    tz_name = timezone or ("Europe/Berlin" if key in GERMAN_ZONES else "UTC")
    tz = parse_timezone(tz_name)
    catalog = {row["region"]: row for row in request.app.state.zones.rows(request)}
    last = parse_local(end, "end", tz) if end else catalog[key]["last_end"]
    first = parse_local(start, "start", tz) if start else last - timedelta(days=28)
    check_range(first, last, request.app.state.settings.limit("heatmap"), "heatmap")
    cells = queries.heatmap_cells(request.app.state.reader, key, scope.value, grid_model, tz_name, first, last)
    return {"zone": key, "model": grid_model.value, "scope": scope, "timezone": tz_name,
            "start": first.isoformat(), "end": last.isoformat(),
            "cells": [{"local_date": c["local_date"], "hour": c["hour"],
                       "intensity_g_per_kwh": float(c["intensity"]) if c["is_final"] and c["intensity"] is not None
                       else None,
                       "status": "OK" if c["is_final"] else (c["status_not_ok"] or "UNKNOWN")} for c in cells]}
