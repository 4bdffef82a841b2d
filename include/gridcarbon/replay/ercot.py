"""Replay of ERCOT's dashboard ``/api/1/services/read/dashboards/fuel-mix.json``: yesterday and today so far
(Central time) at the moment of the request, in the 2025 layout (timestamps with offset stamped 4 s before the
end of each 5-minute interval, per fuel ``{"gen": ...}``, top-level ``monthlyCapacity``, ``types``,
``lastUpdated``). Values are deterministic per interval (``unit_noise``), so any served window replays the same.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gridcarbon.replay.core import ReplayRequest, ReplayResponse, json_response, not_found, unit_noise

CENTRAL = ZoneInfo("America/Chicago")
STEP = timedelta(minutes=5)
CAPACITY: dict[str, int] = {"Coal and Lignite": 12812, "Hydro": 581, "Natural Gas": 66981, "Nuclear": 5268,
                            "Other": 152, "Power Storage": 14077, "Solar": 33396, "Wind": 40455}
SHARE: dict[str, float] = {"Coal and Lignite": 0.6, "Hydro": 0.05, "Natural Gas": 0.45, "Nuclear": 0.95,
                           "Other": 0.3, "Power Storage": 0.03, "Solar": 0.6, "Wind": 0.35}


def gen(fuel: str, start: datetime) -> float:
    """MW of ``fuel`` in the 5-minute interval starting ``start`` (UTC)."""
    if fuel == "Solar":
        local = start.astimezone(CENTRAL)
        hour = local.hour + local.minute / 60
        return round(max(0.0, math.sin((hour - 7) / 12 * math.pi)) * CAPACITY[fuel] * SHARE[fuel], 3)
    noise = 0.8 + 0.4 * unit_noise("ercot", fuel, start.isoformat())
    return round(CAPACITY[fuel] * SHARE[fuel] * noise, 3)


def stamp(end: datetime) -> str:
    """ERCOT's stamp for the interval ending ``end``: 4 seconds earlier, Central time with offset."""
    return (end - timedelta(seconds=4)).astimezone(CENTRAL).strftime("%Y-%m-%d %H:%M:%S%z")


def payload(now: datetime | None = None) -> dict[str, Any]:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    today = now.astimezone(CENTRAL).date()
    first_start = datetime.combine(today - timedelta(days=1), time(0), tzinfo=CENTRAL).astimezone(UTC)
    data: dict[str, dict[str, Any]] = {}
    start = first_start
    while start + STEP <= now - timedelta(seconds=30):  # published ~30 s after the interval ends
        end = start + STEP
        label = stamp(end)
        data.setdefault(label[:10], {})[label] = {fuel: {"gen": gen(fuel, start)} for fuel in CAPACITY}
        start = end
    return {"lastUpdated": now.astimezone(CENTRAL).strftime("%Y-%m-%d %H:%M:%S%z"), "monthlyCapacity": CAPACITY,
            "types": sorted(CAPACITY), "data": data}


def handle(request: ReplayRequest) -> ReplayResponse:
    if request.path.rstrip("/") != "/api/1/services/read/dashboards/fuel-mix.json":
        return not_found("ERCOT replay serves the fuel-mix dashboard only")
    return json_response(payload(), synthetic=True)
