"""Replay of SMARD's chart_data API (``https://www.smard.de/app`` -> ``<replay>/smard/app``).

Serves
- ``/app/chart_data/{filter}/{region}/index_{resolution}.json`` -> ``{"timestamps": [ms, ...]}``: every
  Monday 00:00 Europe/Berlin from the first available week (hour: 2014-12-29, quarterhour: 2018-10-01; the
  DE-LU market area from 2018-10-01) up to the week containing "now";
- ``/app/chart_data/{filter}/{region}/{filter}_{region}_{resolution}_{ts}.json`` -> one weekly block in the
  real wire format ``{"meta_data":{"version":1,"created":ms},"series":[[ms,value],...]}`` (compact JSON).

A recorded payload in ``fixtures_dir()/smard`` (``{filter}_{region}_{resolution}_{ts}[__created...].json``;
the newest ``meta_data.created`` wins) is served as recorded. Everything else is generated deterministically
(``unit_noise``) with realistic magnitudes in MWh per interval (EUR/MWh for the price 4169) and marked with
the ``X-Gridcarbon-Synthetic`` header:

- the four control areas are shares of DE and sum to DE (to 0.01 MWh); DE values come from a recorded
  quarter-hour block where one exists, so areas stay consistent with it;
- PV follows the sun (0.0 at night), nuclear is 0.0 after the shutdown on 2023-04-15, the residual load is
  load minus wind and PV, the price follows the residual load and goes negative at sunny, windy hours;
- ``hour`` = sum of the four quarter hours (price: their mean); a null quarter makes the hour null;
- values at or after "now" are ``null`` (the current week is padded, as SMARD does), and realised generation
  and load are published with SMARD's lag: a quarter hour is ``null`` until ``PUBLICATION_LAG`` after its end
  (the recordings show 0.4 h for wind onshore and gas, 0.55 h for nuclear, 2.0-2.1 h for PV and lignite
  between the end of the last published quarter hour and ``meta_data.created``; the replay rounds up to the
  next quarter hour and uses the largest lag for series without a recording). The price is ``null`` from
  "now" on (SMARD has tomorrow's day-ahead prices already: the replay is stricter, not kinder);
- combinations that do not exist (offshore wind in Amprion/TransnetBW, nuclear in 50Hertz, any region but
  DE-LU for the price) answer 404, as SMARD does;
- the day-ahead price exists per quarter hour only from delivery day 2025-10-01 (the 15-minute day-ahead
  market): before that "now" the quarter-hour price index answers 404; afterwards it starts with the week of
  2025-09-29, whose quarter hours before 2025-10-01 are ``null``, and earlier weekly files answer 404. The
  hourly price exists from 2018-10-01 (DE-LU) and, after the switch, is the mean of the four quarter hours
  (DOMAIN.md section 10.1: what SMARD's hourly series holds after October 2025 is unverified).

Not simulated (known to be kinder than SMARD): revisions of published values (the two recordings of one wind
week differ in 65 values) and null gaps inside published data (the lignite recording has 9 null quarter hours
of the previous evening between published ones).

"Now" is ``SMARD_REPLAY_NOW`` (ISO-8601) if set, else the real clock.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from gridcarbon.replay.core import ReplayRequest, ReplayResponse, json_response, not_found, unit_noise
from gridcarbon.settings import fixtures_dir

BERLIN = ZoneInfo("Europe/Berlin")
QH_MS = 900_000
HOUR_MS = 3_600_000
AREAS = ("50Hertz", "Amprion", "TenneT", "TransnetBW")
REGIONAL_FILTERS = frozenset({1223, 1224, 1225, 1226, 1227, 1228, 4066, 4067, 4068, 4069, 4070, 4071,
                              410, 4359, 4387})
PRICE_FILTER = 4169
PRICE_REGIONS = ("DE-LU",)
FIRST_WEEK = {"hour": date(2014, 12, 29), "quarterhour": date(2018, 10, 1)}
MARKET_AREA_START = date(2018, 10, 1)  # DE-LU exists from here
NUCLEAR_SHUTDOWN_MS = 1_681_596_000_000  # 2023-04-16 00:00 Europe/Berlin (2023-04-15T22:00Z)
QH_PRICES_FROM_MS = 1_759_269_600_000  # 2025-10-01 00:00 Europe/Berlin: day-ahead prices per quarter hour
QH_PRICES_FIRST_WEEK = date(2025, 9, 29)  # the Monday of the week containing the switch

# publication lag of realised values after the END of a quarter hour (ms), from the recordings (see doc)
_QUARTER = 900_000
PUBLICATION_LAG_MS: dict[int, int] = {4067: 2 * _QUARTER, 4071: 2 * _QUARTER, 1224: 3 * _QUARTER,
                                      4068: 9 * _QUARTER, 1223: 9 * _QUARTER}
DEFAULT_PUBLICATION_LAG_MS = 9 * _QUARTER

# combinations SMARD answers with 404 (no such plants in that control area)
ABSENT: frozenset[tuple[int, str]] = frozenset({(1225, "Amprion"), (1225, "TransnetBW"), (1224, "50Hertz")})

# each control area's share of DE (per filter; shares of one filter sum to 1)
DEFAULT_SHARES = {"50Hertz": 0.22, "Amprion": 0.33, "TenneT": 0.30, "TransnetBW": 0.15}
SHARES: dict[int, dict[str, float]] = {
    1223: {"50Hertz": 0.55, "Amprion": 0.43, "TenneT": 0.02, "TransnetBW": 0.0},
    1224: {"50Hertz": 0.0, "Amprion": 0.30, "TenneT": 0.45, "TransnetBW": 0.25},
    1225: {"50Hertz": 0.17, "Amprion": 0.0, "TenneT": 0.83, "TransnetBW": 0.0},
    1226: {"50Hertz": 0.04, "Amprion": 0.16, "TenneT": 0.52, "TransnetBW": 0.28},
    4067: {"50Hertz": 0.36, "Amprion": 0.17, "TenneT": 0.44, "TransnetBW": 0.03},
    4068: {"50Hertz": 0.20, "Amprion": 0.21, "TenneT": 0.34, "TransnetBW": 0.25},
    4069: {"50Hertz": 0.12, "Amprion": 0.48, "TenneT": 0.22, "TransnetBW": 0.18},
    4070: {"50Hertz": 0.30, "Amprion": 0.25, "TenneT": 0.15, "TransnetBW": 0.30},
    4387: {"50Hertz": 0.30, "Amprion": 0.25, "TenneT": 0.15, "TransnetBW": 0.30},
    410: {"50Hertz": 0.19, "Amprion": 0.37, "TenneT": 0.28, "TransnetBW": 0.16},
}

_INDEX = re.compile(r"^/app/chart_data/(\d+)/([A-Za-z0-9-]+)/index_(quarterhour|hour)\.json$")
_BLOCK = re.compile(r"^/app/chart_data/(\d+)/([A-Za-z0-9-]+)/(\d+)_([A-Za-z0-9-]+)_(quarterhour|hour)_(\d+)\.json$")
_RECORDED = re.compile(r"^(\d+)_([A-Za-z0-9-]+)_(quarterhour|hour)_(\d+)(?:__.*)?\.json$")


# --- routing ------------------------------------------------------------------------------------------------
def handle(request: ReplayRequest) -> ReplayResponse:
    if request.method not in ("GET", "HEAD"):
        return not_found("method not supported")
    now_ms = _now_ms()
    found = _INDEX.match(request.path)
    if found:
        filter_id, region, resolution = int(found.group(1)), found.group(2), found.group(3)
        if not _exists(filter_id, region):
            return not_found()
        stamps = index_timestamps(filter_id, region, resolution, now_ms)
        if not stamps:  # e.g. the quarter-hour price before 2025-10-01: SMARD has no such series yet
            return not_found()
        return json_response({"timestamps": stamps}, synthetic=True)
    found = _BLOCK.match(request.path)
    if found:
        filter_id, region = int(found.group(1)), found.group(2)
        copy_filter, copy_region, resolution, ts = int(found.group(3)), found.group(4), found.group(5), \
            int(found.group(6))
        if (copy_filter, copy_region) != (filter_id, region) or not _exists(filter_id, region):
            return not_found()
        recorded = recorded_payload(filter_id, region, resolution, ts)
        if recorded is not None:
            return json_response(recorded)
        if ts not in set(index_timestamps(filter_id, region, resolution, now_ms)):
            return not_found()
        return json_response(synthetic_block(filter_id, region, resolution, ts, now_ms), synthetic=True)
    return not_found()


def _now_ms() -> int:
    raw = os.environ.get("SMARD_REPLAY_NOW")
    if raw:
        dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return int(dt.timestamp() * 1000)
    return int(time.time() * 1000)


def _exists(filter_id: int, region: str) -> bool:
    if filter_id == PRICE_FILTER:
        return region in PRICE_REGIONS
    if filter_id not in REGIONAL_FILTERS or region not in ("DE", *AREAS):
        return False
    return (filter_id, region) not in ABSENT


# --- weekly blocks ------------------------------------------------------------------------------------------
def _local_midnight_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=BERLIN).timestamp() * 1000)


def index_timestamps(filter_id: int, region: str, resolution: str, now_ms: int) -> list[int]:
    """Monday 00:00 Europe/Berlin of every week from the first available one to the week containing now."""
    first = FIRST_WEEK[resolution]
    if filter_id == PRICE_FILTER:
        first = max(first, MARKET_AREA_START)
        if resolution == "quarterhour":
            if now_ms < QH_PRICES_FROM_MS:
                return []
            first = QH_PRICES_FIRST_WEEK
    return _mondays(first, now_ms)


def publication_lag_ms(filter_id: int) -> int:
    """How long after the end of a quarter hour its realised value appears (0 for the day-ahead price)."""
    if filter_id == PRICE_FILTER:
        return 0
    return PUBLICATION_LAG_MS.get(filter_id, DEFAULT_PUBLICATION_LAG_MS)


def is_published(filter_id: int, resolution: str, ts: int, now_ms: int) -> bool:
    """Whether the quarter hour starting at ``ts`` has a value at ``now_ms`` (see the module doc)."""
    if filter_id == PRICE_FILTER:
        if resolution == "quarterhour" and ts < QH_PRICES_FROM_MS:
            return False
        return ts < now_ms - now_ms % QH_MS
    return ts + QH_MS + publication_lag_ms(filter_id) <= now_ms


@lru_cache(maxsize=64)
def _mondays_cached(first: date, last_monday: date) -> tuple[int, ...]:
    out = []
    day = first
    while day <= last_monday:
        out.append(_local_midnight_ms(day))
        day += timedelta(days=7)
    return tuple(out)


def _mondays(first: date, now_ms: int) -> list[int]:
    now_local = datetime.fromtimestamp(now_ms / 1000, tz=UTC).astimezone(BERLIN).date()
    last_monday = now_local - timedelta(days=now_local.weekday())
    return list(_mondays_cached(first, last_monday))


def block_end_ms(block_start_ms: int) -> int:
    local = datetime.fromtimestamp(block_start_ms / 1000, tz=UTC).astimezone(BERLIN).date()
    return _local_midnight_ms(local + timedelta(days=7))


def quarter_hours(block_start_ms: int) -> range:
    """668, 672 or 676 quarter-hour starts (spring DST week, normal week, autumn DST week)."""
    return range(block_start_ms, block_end_ms(block_start_ms), QH_MS)


# --- recorded payloads --------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _recorded_files(folder: str) -> dict[tuple[int, str, str, int], Path]:
    newest: dict[tuple[int, str, str, int], tuple[int, Path]] = {}
    path = Path(folder)
    if not path.is_dir():
        return {}
    for file in sorted(path.iterdir()):
        found = _RECORDED.match(file.name)
        if not found:
            continue
        key = (int(found.group(1)), found.group(2), found.group(3), int(found.group(4)))
        try:
            created = int(json.loads(file.read_text())["meta_data"]["created"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if key not in newest or created > newest[key][0]:
            newest[key] = (created, file)
    return {key: file for key, (_, file) in newest.items()}


@lru_cache(maxsize=32)
def _load_recorded(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _folder() -> str:
    return str(fixtures_dir() / "smard")


def recorded_payload(filter_id: int, region: str, resolution: str, ts: int) -> dict[str, Any] | None:
    """The newest recorded payload for this block, or None (also when the fixtures folder is absent)."""
    path = _recorded_files(_folder()).get((filter_id, region, resolution, ts))
    return _load_recorded(path) if path is not None else None


# --- the generator ------------------------------------------------------------------------------------------
def synthetic_block(filter_id: int, region: str, resolution: str, block_start_ms: int,
                    now_ms: int) -> dict[str, Any]:
    qh = quarter_hours(block_start_ms)
    values = _region_quarter_hours(filter_id, region, block_start_ms)
    now_floor = now_ms - now_ms % QH_MS
    masked = [v if is_published(filter_id, resolution, ts, now_ms) else None
              for ts, v in zip(qh, values, strict=True)]
    if resolution == "quarterhour":
        series = [[ts, v] for ts, v in zip(qh, masked, strict=True)]
    else:
        series = []
        for i in range(0, len(masked), 4):
            quarter = masked[i:i + 4]
            if any(v is None for v in quarter):
                value = None
            elif filter_id == PRICE_FILTER:
                value = round(sum(quarter) / 4, 2)  # type: ignore[arg-type]
            else:
                value = round(sum(quarter), 2)  # type: ignore[arg-type]
            series.append([qh[i], value])
    created = min(now_floor, block_end_ms(block_start_ms) + 2 * 86_400_000)
    return {"meta_data": {"version": 1, "created": created}, "series": series}


def _region_quarter_hours(filter_id: int, region: str, block_start_ms: int) -> list[float | None]:
    if filter_id == PRICE_FILTER:
        return list(_price_block(block_start_ms, _folder()))
    if filter_id == 4359:  # residual load = load - wind onshore - wind offshore - PV, per region
        parts = [_region_quarter_hours(f, region, block_start_ms) for f in (410, 4067, 1225, 4068)]
        out: list[float | None] = []
        for load, onshore, offshore, pv in zip(*parts, strict=True):
            if load is None or onshore is None or offshore is None or pv is None:
                out.append(None)
            else:
                out.append(round(load - onshore - offshore - pv, 2))
        return out
    de = _de_block(filter_id, block_start_ms, _folder())
    if region == "DE":
        return list(de)
    if (filter_id, region) in ABSENT:
        return [0.0] * len(de)
    return list(_area_block(filter_id, block_start_ms, _folder())[AREAS.index(region)])


@lru_cache(maxsize=256)
def _area_block(filter_id: int, block_start_ms: int, folder: str) -> tuple[tuple[float | None, ...], ...]:
    """The four control areas' values; they sum to DE (the rounding remainder goes to the largest share)."""
    shares = SHARES.get(filter_id, DEFAULT_SHARES)
    largest = max(AREAS, key=lambda a: shares[a])
    columns: list[list[float | None]] = [[] for _ in AREAS]
    for i, total in enumerate(_de_block(filter_id, block_start_ms, folder)):
        if total is None:
            for col in columns:
                col.append(None)
            continue
        # shares wobble a little over time but still sum to 1
        weights = {a: shares[a] * (0.9 + 0.2 * unit_noise("smard-share", filter_id, a, block_start_ms, i // 16))
                   for a in AREAS}
        norm = sum(weights.values()) or 1.0
        parts = {a: round(total * weights[a] / norm, 2) for a in AREAS if a != largest}
        parts[largest] = round(total - sum(parts.values()), 2)
        for col, area in zip(columns, AREAS, strict=True):
            col.append(parts[area])
    return tuple(tuple(col) for col in columns)


@lru_cache(maxsize=256)
def _de_block(filter_id: int, block_start_ms: int, folder: str) -> tuple[float | None, ...]:
    """DE quarter-hour values of one week: the recorded block if there is one, else generated."""
    path = _recorded_files(folder).get((filter_id, "DE", "quarterhour", block_start_ms))
    recorded = _load_recorded(path) if path is not None else None
    qh = quarter_hours(block_start_ms)
    if recorded is not None:
        by_ts = {int(ts): v for ts, v in recorded["series"]}
        return tuple(by_ts.get(ts) for ts in qh)
    return tuple(round(_de_value(filter_id, ts), 2) for ts in qh)


@lru_cache(maxsize=64)
def _price_block(block_start_ms: int, folder: str) -> tuple[float | None, ...]:
    load = _de_block(410, block_start_ms, folder)
    renew = [_de_block(f, block_start_ms, folder) for f in (4067, 1225, 4068)]
    out: list[float | None] = []
    for i, ts in enumerate(quarter_hours(block_start_ms)):
        j = i if ts >= QH_PRICES_FROM_MS else i - (ts % HOUR_MS) // QH_MS  # hourly price before 2025-10-01
        j = max(j, 0)
        stamp = quarter_hours(block_start_ms)[j]
        # day-ahead prices are never pending: where a recorded input is still null, use the generated one
        ld, on, off, pv = (v if v is not None else round(_de_value(f, stamp), 2)
                           for f, v in zip((410, 4067, 1225, 4068), (load[j], *(r[j] for r in renew)), strict=True))
        share = (ld - on - off - pv) / ld if ld else 0.5
        noise = _smooth("smard-price", _hours(stamp), 6.0) - 0.5
        price = -25.0 + 200.0 * share + 40.0 * noise
        out.append(round(max(price, -150.0), 2))
    return tuple(out)


def _hours(ts: int) -> float:
    return ts / HOUR_MS


def _smooth(key: str, hours: float, period: float) -> float:
    """Smooth deterministic noise in [0, 1): cosine interpolation between knots every ``period`` hours."""
    k = math.floor(hours / period)
    frac = hours / period - k
    a, b = unit_noise(key, k), unit_noise(key, k + 1)
    w = (1 - math.cos(math.pi * frac)) / 2
    return a + (b - a) * w


def _year_frac(ts: int) -> float:
    return 1970 + ts / (365.2425 * 86_400_000)


def _ramp(ts: int, points: tuple[tuple[float, float], ...]) -> float:
    """Piecewise-linear value over calendar years (capacities, fleet sizes)."""
    y = _year_frac(ts)
    if y <= points[0][0]:
        return points[0][1]
    for (y0, v0), (y1, v1) in pairwise(points):
        if y <= y1:
            return v0 + (v1 - v0) * (y - y0) / (y1 - y0)
    return points[-1][1]


def _season(ts: int) -> float:
    """+1 in mid-January (winter), -1 in mid-July."""
    doy = datetime.fromtimestamp(ts / 1000, tz=UTC).timetuple().tm_yday
    return math.cos(2 * math.pi * (doy - 15) / 365.25)


def _sun(ts: int) -> float:
    """Sine of the sun's elevation over Germany (51 N, 10 E); <= 0 at night."""
    dt = datetime.fromtimestamp(ts / 1000, tz=UTC)
    doy = dt.timetuple().tm_yday
    decl = math.radians(23.44) * math.sin(2 * math.pi * (284 + doy) / 365)
    utc_h = dt.hour + (dt.minute + 7.5) / 60  # middle of the quarter hour
    hour_angle = math.radians(15 * (utc_h - 11.33))
    lat = math.radians(51.0)
    return math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(hour_angle)


def _local(ts: int) -> datetime:
    return datetime.fromtimestamp(ts / 1000, tz=UTC).astimezone(BERLIN)


def _wind(ts: int) -> float:
    h = _hours(ts)
    w = 0.55 * _smooth("smard-wind-synoptic", h, 30.0) + 0.45 * _smooth("smard-wind-local", h, 7.0)
    return min(1.0, max(0.0, w * (1.0 + 0.25 * _season(ts))))


def _gw_to_mwh_per_qh(gw: float) -> float:
    return gw * 1000 * 0.25


def _de_value(filter_id: int, ts: int) -> float:
    """Generated DE value in MWh per quarter hour."""
    h = _hours(ts)
    season = _season(ts)
    local = _local(ts)
    hod = local.hour + local.minute / 60
    weekend = local.weekday() >= 5
    day_shape = math.sin(math.pi * max(0.0, min(1.0, (hod - 5) / 17)))  # 0 at night, 1 in the afternoon
    jitter = unit_noise("smard-jitter", filter_id, ts) - 0.5

    if filter_id == 4067:  # wind onshore, 40 GW (2015) -> 64 GW (2025)
        cap = _ramp(ts, ((2015, 40.0), (2020, 54.0), (2025, 64.0)))
        cf = 0.02 + 0.62 * _wind(ts) ** 2.2
        return _gw_to_mwh_per_qh(cap * cf * (1 + 0.01 * jitter))
    if filter_id == 1225:  # wind offshore, 3 GW -> 9 GW
        cap = _ramp(ts, ((2015, 3.0), (2020, 7.7), (2025, 9.2)))
        cf = 0.04 + 0.8 * _wind(ts + 3 * HOUR_MS) ** 1.6
        return _gw_to_mwh_per_qh(cap * min(cf, 0.92) * (1 + 0.01 * jitter))
    if filter_id == 4068:  # photovoltaics: follows the sun, 0.0 at night
        sun = _sun(ts)
        if sun <= 0.02:
            return 0.0
        cap = _ramp(ts, ((2015, 39.0), (2020, 54.0), (2025, 105.0)))
        clouds = 0.25 + 0.75 * _smooth("smard-clouds", h, 5.0)
        return _gw_to_mwh_per_qh(cap * 0.75 * (sun ** 1.2) * clouds)
    if filter_id == 1223:  # lignite, steady, ~2-4 GWh per quarter hour
        base = _ramp(ts, ((2015, 17.0), (2020, 12.5), (2025, 11.5)))
        level = 0.72 + 0.12 * season + 0.2 * _smooth("smard-lignite", h, 36.0)
        return _gw_to_mwh_per_qh(base * level * (1 + 0.005 * jitter))
    if filter_id == 1224:  # nuclear, 0.0 after the shutdown of 2023-04-15
        if ts >= NUCLEAR_SHUTDOWN_MS:
            return 0.0
        gw = _ramp(ts, ((2015, 10.8), (2017, 8.8), (2019, 8.3), (2021, 7.8), (2022, 4.0), (2023.3, 3.9)))
        return _gw_to_mwh_per_qh(gw * (0.92 + 0.06 * _smooth("smard-nuclear", h, 72.0)))
    if filter_id == 1226:  # hydro
        return _gw_to_mwh_per_qh(1.7 * (0.8 - 0.15 * season + 0.3 * _smooth("smard-hydro", h, 48.0)))
    if filter_id == 1227:  # other conventional
        return _gw_to_mwh_per_qh(1.05 + 0.3 * _smooth("smard-otherconv", h, 24.0) + 0.1 * day_shape)
    if filter_id == 1228:  # other renewables
        return _gw_to_mwh_per_qh(0.16 + 0.03 * _smooth("smard-otherren", h, 24.0))
    if filter_id == 4066:  # biomass
        return _gw_to_mwh_per_qh(4.25 + 0.35 * _smooth("smard-biomass", h, 24.0) + 0.1 * day_shape)
    if filter_id == 4069:  # hard coal: dispatched when wind and sun are short
        base = _ramp(ts, ((2015, 14.0), (2020, 8.0), (2025, 6.5)))
        need = 1.0 - 0.7 * _wind(ts)
        return _gw_to_mwh_per_qh(base * max(0.2, (0.4 + 0.25 * season + 0.3 * day_shape) * need))
    if filter_id == 4070:  # pumped storage generation: morning and evening peaks
        peak = max(math.exp(-((hod - 8) ** 2) / 2), math.exp(-((hod - 19.5) ** 2) / 3))
        return _gw_to_mwh_per_qh(5.5 * peak * (0.4 + 0.6 * _smooth("smard-psgen", h, 24.0)))
    if filter_id == 4387:  # pumped storage consumption: at night and at sunny noons
        night = math.exp(-((hod - 3) ** 2) / 4)
        noon = max(0.0, _sun(ts)) * (1.0 - 0.6 * _smooth("smard-clouds", h, 5.0))
        return _gw_to_mwh_per_qh(5.0 * min(1.0, night + noon) * (0.5 + 0.5 * _smooth("smard-pscons", h, 24.0)))
    if filter_id == 4071:  # natural gas
        base = _ramp(ts, ((2015, 5.0), (2020, 7.5), (2025, 7.0)))
        level = 0.55 + 0.3 * season + 0.35 * day_shape + 0.3 * (1 - _wind(ts))
        return _gw_to_mwh_per_qh(base * max(0.25, level))
    if filter_id == 410:  # total load, ~12-18 GWh per quarter hour
        gw = 49.0 + 19.0 * day_shape + 4.0 * season
        if weekend:
            gw *= 0.84
        return _gw_to_mwh_per_qh(gw * (1 + 0.015 * jitter))
    raise KeyError(f"no generator for SMARD filter {filter_id}")
