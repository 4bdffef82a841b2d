"""Replay of the Tibber GraphQL API (``POST /v1-beta/gql``).

- Authentication: a missing ``Authorization: Bearer`` header or the token ``invalid`` gets Tibber's
  UNAUTHENTICATED answer (HTTP 200, ``errors[].extensions.code = "UNAUTHENTICATED"``, ``data: null``; the shape
  of ``tibber/tibber_gql_error_UNAUTHENTICATED.json``).
- ``viewer { homes { ... } }``: two demo homes in Europe/Berlin, EUR, with today's (and after 13:00 local,
  tomorrow's) hourly prices; ``TIBBER_REPLAY_HOMES=N`` (read per request, default 2) serves N homes: the two demo
  homes and generated ones (every third with an EV), e.g. 20 for the backfill benchmark.
- ``viewer { home(id) { consumption(resolution, first/after | last/before) } }``: generated nodes with the
  local offset in ``from``/``to`` (23/25 nodes on DST days), paged like the real API (cursor = base64 of the
  node's ``from``; ``after``/``before`` exclusive; a ``YYYY-MM-DD`` cursor means local midnight). Nodes exist
  from ``CONTRACT_START`` up to the last complete interval before now.

Every answer is synthetic (header ``X-Gridcarbon-Synthetic``); values depend only on (home, interval), so any
paging returns the same numbers. Consumption is generated per quarter-hour and summed for HOURLY nodes:
household base load 0.2-1.5 kW with morning and evening peaks; the home ``DEMO_HOME_EV`` also charges an EV at
11 kW on some evenings, starting on a quarter-hour (so hours are fully or partly charged).
"""

from __future__ import annotations

import base64
import math
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gridcarbon.replay.core import ReplayRequest, ReplayResponse, json_response, not_found, unit_noise

BERLIN = ZoneInfo("Europe/Berlin")
STEPS = {"HOURLY": timedelta(hours=1), "QUARTER_HOURLY": timedelta(minutes=15)}
QUARTER = timedelta(minutes=15)
CONTRACT_START = datetime(2020, 1, 1, tzinfo=BERLIN)
EV_POWER_KW = 11.0


@dataclass(frozen=True)
class DemoHome:
    home_id: str
    app_nickname: str
    address1: str
    postal_code: str
    city: str
    has_ev: bool
    scale: float


DEMO_HOME_FLAT = DemoHome("4f6b0c1e-2a7d-4e59-9c3b-8d1a5e7f0a01", "Demo Wohnung", "Musterstraße 1", "70173",
                          "Stuttgart", has_ev=False, scale=0.9)
DEMO_HOME_EV = DemoHome("4f6b0c1e-2a7d-4e59-9c3b-8d1a5e7f0a02", "Demo Haus mit E-Auto", "Beispielweg 7", "76131",
                        "Karlsruhe", has_ev=True, scale=1.1)
DEMO_HOMES = (DEMO_HOME_FLAT, DEMO_HOME_EV)
_BY_ID = {h.home_id: h for h in DEMO_HOMES}
HOMES_ENV = "TIBBER_REPLAY_HOMES"


def generated_home(number: int) -> DemoHome:
    """Home ``number`` (3, 4, ...) beyond the two demo homes: a stable id, every third with an EV."""
    return DemoHome(f"4f6b0c1e-2a7d-4e59-9c3b-{number:012x}", f"Replay home {number}", f"Teststraße {number}",
                    "10115", "Berlin", has_ev=number % 3 == 0, scale=0.7 + 0.6 * unit_noise("tibber-home", number))


def served_homes() -> tuple[DemoHome, ...]:
    """The homes the replay serves: ``TIBBER_REPLAY_HOMES`` (default 2) of them."""
    count = max(1, int(os.environ.get(HOMES_ENV, "2")))
    return DEMO_HOMES[:count] + tuple(generated_home(n) for n in range(3, count + 1))


def _home(home_id: str) -> DemoHome | None:
    return _BY_ID.get(home_id) or next((h for h in served_homes() if h.home_id == home_id), None)


# --------------------------------------------------------------------------------------------- generator
def _bump(hour: float, centre: float, width: float) -> float:
    return math.exp(-(((hour - centre) / width) ** 2))


def base_load_kw(home: DemoHome, start_utc: datetime) -> float:
    """Average household power (kW) in the quarter-hour starting at ``start_utc``: 0.2-1.5 kW, peaks at
    about 07:30 and 19:30 local time."""
    local = start_utc.astimezone(BERLIN)
    hour = local.hour + local.minute / 60
    profile = 0.28 + 0.6 * _bump(hour, 7.5, 1.1) + 0.2 * _bump(hour, 13.0, 1.5) + 0.9 * _bump(hour, 19.5, 1.6)
    noise = 0.75 + 0.5 * unit_noise("tibber-base", home.home_id, start_utc.isoformat())
    return min(1.5, max(0.2, profile * noise * home.scale))


def ev_sessions(home: DemoHome, day: date) -> list[tuple[datetime, datetime]]:
    """The EV charging session of local ``day`` (UTC start/end), if the car charges that evening."""
    if not home.has_ev or unit_noise("tibber-ev", home.home_id, day.isoformat()) >= 0.45:
        return []
    start_q = int(unit_noise("tibber-ev-start", home.home_id, day.isoformat()) * 16)  # 17:00 .. 20:45
    dur_q = 3 + int(unit_noise("tibber-ev-dur", home.home_id, day.isoformat()) * 13)  # 45 .. 225 minutes
    start_local = datetime.combine(day, time(17, 0), tzinfo=BERLIN) + start_q * QUARTER
    start = start_local.astimezone(UTC)
    return [(start, start + dur_q * QUARTER)]


def ev_energy_kwh(home: DemoHome, start_utc: datetime, end_utc: datetime) -> float:
    if not home.has_ev:
        return 0.0
    day = start_utc.astimezone(BERLIN).date()
    total = 0.0
    for d in (day - timedelta(days=1), day):
        for s, e in ev_sessions(home, d):
            overlap = (min(e, end_utc) - max(s, start_utc)).total_seconds()
            if overlap > 0:
                total += EV_POWER_KW * overlap / 3600
    return total


def consumption_kwh(home: DemoHome, start_utc: datetime, step: timedelta) -> float:
    """kWh in ``[start_utc, start_utc + step)``: quarter-hour base load summed, plus EV charging."""
    base = 0.0
    t = start_utc
    while t < start_utc + step:
        base += base_load_kw(home, t) * 0.25
        t += QUARTER
    return round(base + ev_energy_kwh(home, start_utc, start_utc + step), 3)


def unit_price_eur(start_utc: datetime) -> float:
    """Price incl. VAT (EUR/kWh) of the hour containing ``start_utc`` (same for every home)."""
    hour_start = start_utc.replace(minute=0, second=0, microsecond=0)
    local = hour_start.astimezone(BERLIN)
    h = local.hour
    price = (0.24 + 0.08 * _bump(h, 8, 1.5) + 0.12 * _bump(h, 19, 2.0) - 0.07 * _bump(h, 13, 2.0)
             + 0.04 * unit_noise("tibber-price", hour_start.isoformat()))
    return round(price, 4)


def _level(total: float) -> str:
    if total < 0.20:
        return "VERY_CHEAP"
    if total < 0.25:
        return "CHEAP"
    if total < 0.31:
        return "NORMAL"
    if total < 0.35:
        return "EXPENSIVE"
    return "VERY_EXPENSIVE"


def local_iso(moment: datetime) -> str:
    """``2025-03-30T03:00:00.000+02:00``: Tibber's timestamp format, in the home's local time."""
    return moment.astimezone(BERLIN).isoformat(timespec="milliseconds")


def cursor_for(moment: datetime) -> str:
    return base64.b64encode(local_iso(moment).encode()).decode()


def decode_cursor(cursor: str) -> datetime:
    text = base64.b64decode(cursor, validate=True).decode()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.combine(date.fromisoformat(text), time(0), tzinfo=BERLIN).astimezone(UTC)
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=BERLIN)
    return dt.astimezone(UTC)


def consumption_node(home: DemoHome, start_utc: datetime, step: timedelta) -> dict[str, Any]:
    kwh = consumption_kwh(home, start_utc, step)
    price = unit_price_eur(start_utc)
    return {
        "from": local_iso(start_utc),
        "to": local_iso(start_utc + step),
        "cost": round(kwh * price, 6),
        "unitPrice": price,
        "unitPriceVAT": round(price * 0.19 / 1.19, 6),
        "consumption": kwh,
        "consumptionUnit": "kWh",
        "currency": "EUR",
    }


def latest_start(step: timedelta, now: datetime | None = None) -> datetime:
    """Start of the last complete interval before ``now`` (the real API shows metered intervals only)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    floored = epoch + ((now - epoch) // step) * step
    return floored - step


def page(home: DemoHome, resolution: str, *, first: int | None = None, after: str | None = None,
         last: int | None = None, before: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """The consumption connection for the paging arguments (Relay semantics, cursors exclusive)."""
    step = STEPS[resolution]
    lo = CONTRACT_START.astimezone(UTC)
    hi = latest_start(step, now)  # inclusive
    if after is not None:
        lo = max(lo, _align_up(decode_cursor(after) + timedelta(microseconds=1), step))
    if before is not None:
        hi = min(hi, _align_up(decode_cursor(before), step) - step)
    if first is not None and last is not None:
        raise ValueError("give either first or last")
    count = max(0, int((hi - lo) / step) + 1) if hi >= lo else 0
    if first is not None:
        n = max(0, min(first, count))
        starts = [lo + i * step for i in range(n)]
    elif last is not None:
        n = max(0, min(last, count))
        starts = [hi - (n - 1 - i) * step for i in range(n)]
    else:
        starts = [lo + i * step for i in range(count)]
    nodes = [consumption_node(home, s, step) for s in starts]
    total_kwh = round(sum(n["consumption"] for n in nodes), 3)
    total_cost = round(sum(n["cost"] for n in nodes), 6)
    contract_lo = CONTRACT_START.astimezone(UTC)
    absolute_hi = latest_start(step, now)
    return {
        "pageInfo": {
            "startCursor": cursor_for(starts[0]) if starts else None,
            "endCursor": cursor_for(starts[-1]) if starts else None,
            "hasNextPage": bool(starts) and starts[-1] < absolute_hi,
            "hasPreviousPage": bool(starts) and starts[0] > contract_lo,
            "count": len(nodes),
            "currency": "EUR",
            "totalCost": total_cost,
            "energyCost": total_cost,
            "totalConsumption": total_kwh,
            "filtered": 0,
        },
        "nodes": nodes,
    }


def _align_up(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    k = -((epoch - moment) // step)  # ceil division
    return epoch + k * step


def price_entries(day: date) -> list[dict[str, Any]]:
    start = datetime.combine(day, time(0), tzinfo=BERLIN).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=BERLIN).astimezone(UTC)
    entries = []
    t = start
    while t < end:
        total = unit_price_eur(t)
        energy = round(total * 0.55, 4)
        entries.append({"total": total, "energy": energy, "tax": round(total - energy, 4), "currency": "EUR",
                        "level": _level(total), "startsAt": local_iso(t)})
        t += timedelta(hours=1)
    return entries


def home_object(home: DemoHome, now: datetime | None = None) -> dict[str, Any]:
    now = (now or datetime.now(UTC)).astimezone(BERLIN)
    today = price_entries(now.date())
    tomorrow = price_entries(now.date() + timedelta(days=1)) if now.hour >= 13 else []
    hour = now.replace(minute=0, second=0, microsecond=0)
    current = next((e for e in today if e["startsAt"] == local_iso(hour)), today[0])
    return {
        "id": home.home_id,
        "timeZone": "Europe/Berlin",
        "appNickname": home.app_nickname,
        "type": "HOUSE" if home.has_ev else "APARTMENT",
        "address": {"address1": home.address1, "address2": None, "address3": None, "postalCode": home.postal_code,
                    "city": home.city, "country": "DE", "latitude": None, "longitude": None},
        "currentSubscription": {"status": "running",
                                "priceInfo": {"current": current, "today": today, "tomorrow": tomorrow}},
    }


# --------------------------------------------------------------------------------------------- GraphQL
UNAUTHENTICATED = {
    "errors": [{"message": "invalid token", "locations": [{"line": 1, "column": 4}], "path": ["viewer"],
                "extensions": {"code": "UNAUTHENTICATED"}}],
    "data": None,
}


def _gql_error(message: str, code: str = "GRAPHQL_VALIDATION_FAILED", status: int = 400) -> ReplayResponse:
    return json_response({"errors": [{"message": message, "extensions": {"code": code}}], "data": None}, status,
                         synthetic=True)


_ARG = re.compile(r"(\w+)\s*:\s*(\$\w+|\"(?:[^\"\\]|\\.)*\"|-?\d+|\w+)")


def _arguments(text: str, variables: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for name, raw in _ARG.findall(text):
        if raw.startswith("$"):
            args[name] = variables.get(raw[1:])
        elif raw.startswith('"'):
            args[name] = raw[1:-1]
        elif re.fullmatch(r"-?\d+", raw):
            args[name] = int(raw)
        elif raw == "null":
            args[name] = None
        else:
            args[name] = raw
    return args


def _token(request: ReplayRequest) -> str | None:
    auth = request.header("Authorization") or ""
    if not auth.lower().startswith("bearer "):
        return None
    return auth[7:].strip() or None


def handle(request: ReplayRequest) -> ReplayResponse:
    if request.path.rstrip("/") != "/v1-beta/gql":
        return not_found(f"no Tibber endpoint {request.path}")
    if request.method != "POST":
        return _gql_error("GET query must be provided.", "BAD_REQUEST")
    token = _token(request)
    if token is None or token == "invalid":
        return json_response(UNAUTHENTICATED, 200, synthetic=True)
    try:
        body = request.json() or {}
        query = str(body.get("query") or "")
        variables = dict(body.get("variables") or {})
    except (ValueError, AttributeError):
        return _gql_error("POST body must be a JSON object with a query", "BAD_REQUEST")
    if not query.strip():
        return _gql_error("Must provide query string.", "BAD_REQUEST")

    consumption = re.search(r"consumption\s*\(([^)]*)\)", query)
    if consumption:
        home_match = re.search(r"\bhome\s*\(([^)]*)\)", query)
        if not home_match:
            return _gql_error("replay: consumption is answered for viewer.home(id: ...) only")
        home_id = _arguments(home_match.group(1), variables).get("id")
        home = _home(str(home_id))
        if home is None:
            return json_response({"errors": [{"message": f"Could not find home with id {home_id}",
                                              "path": ["viewer", "home"], "extensions": {"code": "NOT_FOUND"}}],
                                  "data": {"viewer": {"home": None}}}, synthetic=True)
        args = _arguments(consumption.group(1), variables)
        resolution = str(args.get("resolution") or "")
        if resolution not in STEPS:
            return _gql_error(f'Value "{resolution}" does not exist in "EnergyResolution" enum '
                              "(replay answers HOURLY and QUARTER_HOURLY).")
        try:
            connection = page(home, resolution, first=args.get("first"), after=args.get("after"),
                              last=args.get("last"), before=args.get("before"))
        except (ValueError, TypeError) as exc:
            return _gql_error(f"invalid paging arguments: {exc}", "BAD_USER_INPUT", 200)
        return json_response({"data": {"viewer": {"home": {"id": home.home_id, "consumption": connection}}}},
                             synthetic=True)
    if re.search(r"\bhomes\b", query):
        return json_response({"data": {"viewer": {"homes": [home_object(h) for h in served_homes()]}}},
                             synthetic=True)
    return _gql_error("replay: query not supported (homes, home(id).consumption)")
