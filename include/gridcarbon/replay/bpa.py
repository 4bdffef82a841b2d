"""Replay of BPA's ``baltwg.txt``: the last 7 days up to now, as the real file.

Generated (no recording of the current layout exists; the 2014 fixture is an excerpt): the free-text preamble,
the 2026 column layout ``Load, VER, Hydro, Fossil/Biomass, Nuclear``, ``MM/DD/YYYY HH:MM`` Pacific stamps every
5 minutes from midnight seven days ago to now, then empty padding rows to the end of today. MW is a
deterministic function of (column, UTC instant), so overlapping downloads agree.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gridcarbon.replay.core import ReplayRequest, ReplayResponse, not_found, text_response, unit_noise

PACIFIC = ZoneInfo("America/Los_Angeles")
COLUMNS = {"Load": 6500, "VER": 3000, "Hydro": 9000, "Fossil/Biomass": 1500, "Nuclear": 1100}
PATH = "/business/operations/Wind/baltwg.txt"


def baltwg(now: datetime | None = None) -> str:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    now = now.replace(second=0, microsecond=0) - timedelta(minutes=now.minute % 5)
    today = now.astimezone(PACIFIC).date()
    first = datetime.combine(today - timedelta(days=7), time(0), tzinfo=PACIFIC).astimezone(UTC)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=PACIFIC).astimezone(UTC)
    lines = [
        "BPA Balancing Authority Load & Total VER Generation",
        "at 5-minute intervals, last 7 days",
        f"Dates: {first.astimezone(PACIFIC):%d%b%Y} - {today:%d%b%Y} "
        f"(last updated {now.astimezone(PACIFIC):%d%b%Y %H:%M:%S}) Pacific Time",
        "Based on 5-min MW readings from the BPA SCADA system",
        "BPA/Technical Operations (TOT-OpInfo@bpa.gov)",
        "",
        "Date/Time       \t" + "\t".join(COLUMNS),
    ]
    ts = first
    while ts < end:
        stamp = ts.astimezone(PACIFIC).strftime("%m/%d/%Y %H:%M")
        if ts <= now:
            cells = [str(round(base * (0.7 + 0.6 * unit_noise("bpa", col, ts.isoformat()))))
                     for col, base in COLUMNS.items()]
            lines.append(stamp + "\t" + "\t".join(cells))
        else:
            lines.append(stamp + "\t" * len(COLUMNS))
        ts += timedelta(minutes=5)
    return "\r\n".join(lines) + "\r\n"


def handle(request: ReplayRequest) -> ReplayResponse:
    if request.path == PATH:
        return text_response(baltwg(), synthetic=True)
    return not_found(f"bpa replay: unknown path {request.path}")
