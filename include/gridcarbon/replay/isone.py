"""Replay of ISO-NE's ``/genfuelmix/day/{YYYYMMDD}`` and ``/genfuelmix/current`` (JSON).

Requests without HTTP basic auth get 401, as the real service answers. The recorded 2024-11-03 day and the
recorded ``current`` snapshot are served as recorded; other days are generated: one stamp about every five
minutes with a deterministic jitter of up to 90 s (the real stamps are irregular), ``BeginDate`` with the
local offset of that instant (so DST days carry both offsets), MW a deterministic function of (fuel, stamp).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gridcarbon.replay.core import ReplayRequest, ReplayResponse, json_response, not_found, unit_noise
from gridcarbon.settings import fixtures_dir

EASTERN = ZoneInfo("America/New_York")
FUELS = {"Hydro": ("Hydro", 800), "Natural Gas": ("Natural Gas", 7000), "Nuclear": ("Nuclear", 3300),
         "Refuse": ("Renewables", 300), "Solar": ("Renewables", 400), "Wind": ("Renewables", 600),
         "Wood": ("Renewables", 250), "Other": ("Other", 5)}


def _stamp(ts: datetime) -> str:
    local = ts.astimezone(EASTERN)
    return local.strftime("%Y-%m-%dT%H:%M:%S.000") + local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]


def day_payload(day: date) -> dict:
    start = datetime.combine(day, time(0), tzinfo=EASTERN).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=EASTERN).astimezone(UTC)
    rows = []
    slot = start
    while slot < end:
        ts = slot + timedelta(seconds=int(90 * unit_noise("isone", "jitter", slot.isoformat())))
        for fuel, (rollup, base) in FUELS.items():
            gen = round(base * (0.7 + 0.6 * unit_noise("isone", fuel, ts.isoformat())))
            rows.append({"BeginDate": _stamp(ts), "GenMw": gen, "FuelCategoryRollup": rollup,
                         "FuelCategory": fuel, "MarginalFlag": "Y" if fuel == "Natural Gas" else "N"})
        slot += timedelta(minutes=5)
    return {"GenFuelMixes": {"GenFuelMix": rows}}


def handle(request: ReplayRequest) -> ReplayResponse:
    auth = request.header("Authorization") or ""
    if not auth.startswith("Basic "):
        return json_response({"message": "Unauthorized"}, 401)
    m = re.fullmatch(r"/genfuelmix/day/(\d{8})", request.path)
    if m:
        recorded = fixtures_dir() / "isone" / f"isone_genfuelmix_day_{m.group(1)}.json"
        if recorded.exists():
            return ReplayResponse(200, recorded.read_bytes(), "application/json")
        day = datetime.strptime(m.group(1), "%Y%m%d").date()
        return json_response(day_payload(day), synthetic=True)
    if request.path == "/genfuelmix/current":
        recorded = fixtures_dir() / "isone" / "isone_genfuelmix_current.json"
        if recorded.exists():
            return ReplayResponse(200, recorded.read_bytes(), "application/json")
    return not_found(f"isone replay: unknown path {request.path}")
