"""Replay of MISO's real-time data broker ``getfuelmix`` (``/MISORTWDDataBroker/DataBrokerServices.asmx?
messageType=getfuelmix&returnType=json``): a snapshot of the latest complete 5-minute interval at the moment
of the request (interval start = floor(now, 5 min) - 5 min, stamped in fixed EST like MISO), with
deterministic MW per category (``unit_noise`` of the interval), in the real shape (``RefId``, ``TotalMW``,
``Fuel.Type[]`` with ``INTERVALEST``, ``CATEGORY``, ``ACT`` as strings, ``FUEL_CATEGORY``).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

from gridcarbon.replay.core import ReplayRequest, ReplayResponse, json_response, not_found, unit_noise

EST = timezone(timedelta(hours=-5), "EST")
STEP = timedelta(minutes=5)
CATEGORIES: dict[str, float] = {"Coal": 30000.0, "Natural Gas": 28000.0, "Nuclear": 11500.0, "Wind": 9000.0,
                                "Solar": 3000.0, "Hydro": 900.0, "Other": 600.0}


def latest_interval(now: datetime | None = None) -> datetime:
    """The interval start (UTC) the replay shows at ``now``: the last complete 5-minute interval."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    seconds = int(now.timestamp()) // 300 * 300
    return datetime.fromtimestamp(seconds, UTC) - STEP


def act(category: str, start: datetime) -> int:
    base = CATEGORIES[category]
    if category == "Solar":
        hour = start.astimezone(EST).hour + start.minute / 60
        return round(max(0.0, math.sin((hour - 6) / 12 * math.pi)) * base)
    return round(base * (0.8 + 0.4 * unit_noise("miso", category, start.isoformat())))


def snapshot(start: datetime) -> dict:
    local = start.astimezone(EST)
    stamp = f"{local:%Y-%m-%d} {local.hour % 12 or 12}:{local:%M:%S} {'AM' if local.hour < 12 else 'PM'}"
    values = {c: act(c, start) for c in CATEGORIES}
    return {
        "RefId": f"{local:%d-%b-%Y} - Interval {local:%H:%M} EST",
        "TotalMW": str(sum(values.values())),
        "Fuel": {"Type": [{"INTERVALEST": stamp, "CATEGORY": c, "ACT": str(v), "FUEL_CATEGORY": f"{c}  ({v:,} MW)"}
                          for c, v in values.items()]},
    }


def handle(request: ReplayRequest) -> ReplayResponse:
    if request.path.rstrip("/") != "/MISORTWDDataBroker/DataBrokerServices.asmx":
        return not_found("MISO replay serves the data broker only")
    if (request.param("messageType") or "").lower() != "getfuelmix":
        return not_found("MISO replay serves messageType=getfuelmix only")
    return json_response(snapshot(latest_interval()), synthetic=True)
