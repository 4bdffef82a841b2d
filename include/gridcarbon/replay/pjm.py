"""Replay of PJM Data Miner 2 ``gen_by_fuel`` (``/gen_by_fuel`` or ``/api/v1/gen_by_fuel``): deterministic
hourly MW for 10 fuel types for any ``datetime_beginning_utc`` range (``MM/DD/YYYY HH:mmtoMM/DD/YYYY HH:mm``,
inclusive, or a single ISO timestamp), paged with ``StartRow``/``RowCount``, in the real answer shape
(``links``, ``items``, ``searchSpecification``, ``totalRows``). Parameter names are case-insensitive, as
PJM's. A missing ``Ocp-Apim-Subscription-Key`` header -> 401, key ``invalid`` -> 401 (API Management bodies).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from gridcarbon.replay.core import ReplayRequest, ReplayResponse, json_response, not_found, unit_noise

FUELS: dict[str, float] = {  # PJM's labels (as in the recording) -> typical MW
    "Coal": 17000.0, "Gas": 45000.0, "Hydro": 2500.0, "Multiple Fuels": 1100.0, "Nuclear": 32500.0,
    "Oil": 600.0, "Other Renewables": 700.0, "Solar": 3000.0, "Storage": 20.0, "Wind": 4000.0,
}
MAX_ROWS = 50000
MAX_HOURS = 24 * 800


def _param(request: ReplayRequest, name: str) -> str | None:
    for key, values in request.query.items():
        if key.lower() == name.lower() and values:
            return values[0]
    return None


def _parse_range(raw: str) -> tuple[datetime, datetime] | None:
    try:
        if "to" in raw:
            a, b = raw.split("to", 1)
            return (datetime.strptime(a.strip(), "%m/%d/%Y %H:%M").replace(tzinfo=UTC),
                    datetime.strptime(b.strip(), "%m/%d/%Y %H:%M").replace(tzinfo=UTC))
        single = datetime.fromisoformat(raw.split(".")[0]).replace(tzinfo=UTC)
        return single, single
    except ValueError:
        return None


def mw(fuel: str, hour: datetime) -> float:
    base = FUELS[fuel]
    if fuel == "Solar":
        local = (hour.hour - 5) % 24
        daylight = max(0.0, math.sin((local - 6) / 12 * math.pi))
        return round(daylight * base * (0.6 + 0.4 * unit_noise("pjm", hour.date())), 1)
    return round(base * (0.8 + 0.4 * unit_noise("pjm", fuel, hour.isoformat())), 1)


def handle(request: ReplayRequest) -> ReplayResponse:
    path = request.path.rstrip("/")
    if path not in ("/gen_by_fuel", "/api/v1/gen_by_fuel"):
        return not_found("PJM replay serves gen_by_fuel only")
    key = request.header("Ocp-Apim-Subscription-Key")
    if not key:
        return json_response({"statusCode": 401, "message": "Access denied due to missing subscription key. Make "
                              "sure to include subscription key when making requests to an API."}, 401)
    if key == "invalid":
        return json_response({"statusCode": 401, "message": "Access denied due to invalid subscription key. Make "
                              "sure to provide a valid key for an active subscription."}, 401)
    raw = _param(request, "datetime_beginning_utc")
    bounds = _parse_range(raw) if raw else None
    if bounds is None:
        return json_response({"errors": [{"field": "datetime_beginning_utc", "message": "the replay server needs "
                                          "a datetime_beginning_utc filter"}]}, 400)
    first = bounds[0].replace(minute=0) if bounds[0].minute == 0 else bounds[0].replace(minute=0) + timedelta(hours=1)
    if (bounds[1] - first) / timedelta(hours=1) > MAX_HOURS:
        return json_response({"errors": [{"message": "range too large for the replay server"}]}, 400)
    items: list[dict[str, Any]] = []
    hour = first
    while hour <= bounds[1]:
        for fuel in sorted(FUELS):
            items.append({"datetime_beginning_utc": hour.strftime("%Y-%m-%dT%H:%M:%S"), "fuel_type": fuel,
                          "mw": mw(fuel, hour)})
        hour += timedelta(hours=1)
    start_row = int(_param(request, "StartRow") or 1)
    rows = min(int(_param(request, "RowCount") or 25), MAX_ROWS)
    page = items[start_row - 1:start_row - 1 + rows]
    return json_response({
        "links": [{"rel": "self", "href": "https://api.pjm.com/api/v1/gen_by_fuel?" + request.raw_query},
                  {"rel": "metadata", "href": "https://api.pjm.com/api/v1/gen_by_fuel/metadata"}],
        "items": page,
        "searchSpecification": {"rowCount": rows, "startRow": start_row, "isActiveMetadata": True,
                                "fields": ["datetime_beginning_utc", "fuel_type", "mw"],
                                "filters": [{"datetime_beginning_utc": raw}]},
        "totalRows": len(items),
    }, synthetic=True)
