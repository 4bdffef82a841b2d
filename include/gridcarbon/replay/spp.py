"""Replay of SPP's ``/chart-api/gen-mix/asFile``: the last two hours up to now, 5-minute rows.

Generated from the documented column layout (no real recording exists): ``GMTTime`` as an ISO-8601 UTC instant,
then ``<fuel> Market``/``<fuel> Self`` columns and ``Load``, header names padded with spaces as gridstatus
reports. MW is a deterministic function of (column, instant).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gridcarbon.replay.core import ReplayRequest, ReplayResponse, not_found, text_response, unit_noise

FUELS = {"Coal": 12000, "Diesel Fuel Oil": 5, "Hydro": 1500, "Natural Gas": 9000, "Nuclear": 1700,
         "Solar": 400, "Waste Disposal Services": 10, "Wind": 14000, "Waste Heat": 2, "Other": 20}
PATH = "/chart-api/gen-mix/asFile"


def columns() -> list[str]:
    return [f"{fuel} {kind}" for fuel in FUELS for kind in ("Market", "Self")]


def value(column: str, ts: datetime) -> float:
    fuel, kind = column.rsplit(" ", 1)
    share = 0.8 if kind == "Market" else 0.2
    return round(FUELS[fuel] * share * (0.7 + 0.6 * unit_noise("spp", column, ts.isoformat())), 1)


def gen_mix_csv(now: datetime | None = None) -> str:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    latest = now.replace(second=0, microsecond=0) - timedelta(minutes=now.minute % 5 + 5)
    cols = columns()
    lines = ["GMTTime, " + ", ".join(cols) + ", Load"]
    ts = latest - timedelta(hours=2) + timedelta(minutes=5)
    while ts <= latest:
        load = round(45000 * (0.8 + 0.4 * unit_noise("spp", "Load", ts.isoformat())))
        lines.append(ts.strftime("%Y-%m-%dT%H:%M:%SZ") + "," + ",".join(str(value(c, ts)) for c in cols)
                     + f",{load}")
        ts += timedelta(minutes=5)
    return "\n".join(lines) + "\n"


def handle(request: ReplayRequest) -> ReplayResponse:
    if request.path == PATH:
        return text_response(gen_mix_csv(), content_type="text/csv", synthetic=True)
    return not_found(f"spp replay: unknown path {request.path}")
