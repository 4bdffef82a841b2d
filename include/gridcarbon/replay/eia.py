"""Replay of EIA API v2 ``electricity/rto``: deterministic synthetic answers in the real format.

- ``/v2/electricity/rto/{fuel-type-data|region-data|interchange-data}/data/``: hourly rows for every period
  between ``start`` and ``end`` (both inclusive, ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH``, hour-ending periods),
  filtered by ``facets[...][]``, sorted by period, paged with ``offset``/``length`` (at most 5000 rows, as the
  real API); ``response.total`` and the values are strings (API >= 2.1.6); about 1 % of values are null.
- ``/v2/electricity/rto/{route}/facet/{facet}``: the facet values (``totalFacets``, ``facets[{id,name,alias}]``).
- The api_key is echoed in ``request.params.api_key`` like the real API (so the client's redaction is tested).
  Key ``invalid`` -> HTTP 403 API_KEY_INVALID; no key -> HTTP 403 API_KEY_MISSING (bodies as the real API's).
- Any other route -> HTTP 500 ``{"error":"Not found.","code":404}`` (the real API's answer to unknown routes).

Every generated answer carries ``X-Gridcarbon-Synthetic: true``.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from gridcarbon.replay.core import ReplayRequest, ReplayResponse, json_response, unit_noise

API_VERSION = "2.1.8"
MAX_LENGTH = 5000
HOUR = timedelta(hours=1)
MAX_PERIODS = 24 * 400  # refuse absurd ranges instead of generating millions of rows

RESPONDENTS: dict[str, str] = {
    "BPAT": "Bonneville Power Administration",
    "CISO": "California Independent System Operator",
    "ERCO": "Electric Reliability Council of Texas, Inc.",
    "FPL": "Florida Power & Light Co.",
    "ISNE": "ISO New England",
    "MISO": "Midcontinent Independent System Operator, Inc.",
    "NYIS": "New York Independent System Operator",
    "PACW": "PacifiCorp West",
    "PJM": "PJM Interconnection, LLC",
    "SWPP": "Southwest Power Pool",
}
FUELS: dict[str, tuple[str, float]] = {  # code -> (type-name, typical MWh in an hour for a large BA)
    "BAT": ("Battery storage", 300.0),
    "COL": ("Coal", 9000.0),
    "NG": ("Natural Gas", 14000.0),
    "NUC": ("Nuclear", 8000.0),
    "OIL": ("Petroleum", 150.0),
    "OTH": ("Other", 400.0),
    "SUN": ("Solar", 3000.0),
    "WAT": ("Hydro", 2000.0),
    "WND": ("Wind", 5000.0),
}
REGION_TYPES: dict[str, str] = {"D": "Demand", "DF": "Day-ahead demand forecast", "NG": "Net generation",
                                "TI": "Total interchange"}
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "BPAT": ("PACW", "CISO"), "CISO": ("BPAT", "PACW"), "ERCO": ("SWPP",), "FPL": (), "ISNE": ("NYIS",),
    "MISO": ("PJM", "SWPP"), "NYIS": ("ISNE", "PJM"), "PACW": ("BPAT", "CISO"), "PJM": ("MISO", "NYIS"),
    "SWPP": ("ERCO", "MISO"),
}
ROUTES = ("fuel-type-data", "region-data", "interchange-data")
DESCRIPTIONS = {
    "fuel-type-data": "Hourly net generation by balancing authority and energy source.  \n    Source: Form EIA-930"
                      "\n    Product: Hourly Electric Grid Monitor",
    "region-data": "Hourly demand, day-ahead demand forecast, net generation, and interchange by balancing "
                   "authority.  \n    Source: Form EIA-930\n    Product: Hourly Electric Grid Monitor",
    "interchange-data": "Hourly net interchange between balancing authorities.  \n    Source: Form EIA-930\n"
                        "    Product: Hourly Electric Grid Monitor",
}
_DATA_PATH = re.compile(r"^/v2/electricity/rto/(?P<route>[a-z-]+)/data/?$")
_FACET_PATH = re.compile(r"^/v2/electricity/rto/(?P<route>[a-z-]+)/facet/(?P<facet>[a-z]+)/?$")


def _fuels_of(respondent: str) -> list[str]:
    """A deterministic subset of fuels per BA (every BA has NG and WND so each has data)."""
    return [f for f in FUELS if f in ("NG", "WND") or unit_noise("eia-fuel", respondent, f) < 0.7]


def _size(respondent: str) -> float:
    return 0.2 + 0.8 * unit_noise("eia-size", respondent)


def _value(*key: Any, base: float, hour: datetime, signed: bool = False) -> str | None:
    if unit_noise("eia-null", *key, hour.isoformat()) < 0.01:
        return None
    daily = 1.0 + 0.15 * math.sin((hour.hour - 9) / 24 * 2 * math.pi)
    noise = 0.85 + 0.3 * unit_noise("eia-value", *key, hour.isoformat())
    value = base * daily * noise
    if signed:
        value *= 1 if unit_noise("eia-sign", *key, hour.date().isoformat()) < 0.5 else -1
    return str(round(value))


def _parse_bound(raw: str | None) -> datetime | None:
    if not raw:
        return None
    for fmt in ("%Y-%m-%dT%H", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _facet_values(query: dict[str, tuple[str, ...]], name: str) -> list[str] | None:
    values = query.get(f"facets[{name}][]")
    return list(values) if values else None


def _rows(route: str, request: ReplayRequest, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Every row of the answer (before paging); cached so paging through a large answer stays linear."""
    facets = tuple(sorted((k, tuple(v)) for k, v in request.query.items() if k.startswith("facets[")))
    return _rows_cached(route, facets, start, end)


@lru_cache(maxsize=16)
def _rows_cached(route: str, facets: tuple[tuple[str, tuple[str, ...]], ...], start: datetime,
                 end: datetime) -> list[dict[str, Any]]:
    query = dict(facets)
    respondents = sorted(RESPONDENTS)
    facet = "fromba" if route == "interchange-data" else "respondent"
    wanted = _facet_values(query, facet)
    if wanted is not None:
        respondents = [r for r in respondents if r in wanted]
    periods = []
    t = start
    while t <= end:
        periods.append(t)
        t += HOUR
    rows: list[dict[str, Any]] = []
    for period in periods:
        hour = period - HOUR
        label = period.strftime("%Y-%m-%dT%H")
        for ba in respondents:
            size = _size(ba)
            if route == "fuel-type-data":
                fuels = _fuels_of(ba)
                if (only := _facet_values(query, "fueltype")) is not None:
                    fuels = [f for f in fuels if f in only]
                for fuel in fuels:
                    name, base = FUELS[fuel]
                    rows.append({"period": label, "respondent": ba, "respondent-name": RESPONDENTS[ba],
                                 "fueltype": fuel, "type-name": name,
                                 "value": _value(ba, fuel, base=base * size, hour=hour),
                                 "value-units": "megawatthours"})
            elif route == "region-data":
                types = sorted(REGION_TYPES)
                if (only := _facet_values(query, "type")) is not None:
                    types = [x for x in types if x in only]
                for typ in types:
                    rows.append({"period": label, "respondent": ba, "respondent-name": RESPONDENTS[ba],
                                 "type": typ, "type-name": REGION_TYPES[typ],
                                 "value": _value(ba, "TI" if typ == "TI" else "D", base=30000 * size
                                                 if typ != "TI" else 1500 * size, hour=hour, signed=typ == "TI"),
                                 "value-units": "megawatthours"})
            else:
                for to_ba in NEIGHBOURS[ba]:
                    rows.append({"period": label, "fromba": ba, "fromba-name": RESPONDENTS[ba], "toba": to_ba,
                                 "toba-name": RESPONDENTS[to_ba],
                                 "value": _value(ba, to_ba, base=800 * size, hour=hour, signed=True),
                                 "value-units": "megawatthours"})
    return rows


def _echo_params(request: ReplayRequest) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, values in request.query.items():
        params[key] = values if key.endswith("[]") else values[0]
    return params


def _auth_error(request: ReplayRequest) -> ReplayResponse | None:
    key = request.param("api_key")
    if not key:
        return json_response({"error": {"code": "API_KEY_MISSING",
                                        "message": "No api_key was supplied.  Please register for one at "
                                                   "https://www.eia.gov/opendata/register.php"}}, 403)
    if key == "invalid":
        return json_response({"error": {"code": "API_KEY_INVALID",
                                        "message": "An invalid api_key was supplied. Get one at "
                                                   "https://api.eia.gov:443"}}, 403)
    return None


def _not_found() -> ReplayResponse:
    return json_response({"error": "Not found.", "code": 404}, 500)


def handle(request: ReplayRequest) -> ReplayResponse:
    facet = _FACET_PATH.match(request.path)
    data = _DATA_PATH.match(request.path)
    route = (facet or data).group("route") if (facet or data) else None
    if route not in ROUTES:
        return _not_found()
    if (denied := _auth_error(request)) is not None:
        return denied
    if facet:
        name = facet.group("facet")
        if name in ("respondent", "fromba", "toba"):
            values = [{"id": k, "name": v, "alias": f"({k}) {v}"} for k, v in sorted(RESPONDENTS.items())]
        elif name == "fueltype" and route == "fuel-type-data":
            values = [{"id": k, "name": v[0], "alias": v[0]} for k, v in sorted(FUELS.items())]
        elif name == "type" and route == "region-data":
            values = [{"id": k, "name": v, "alias": v} for k, v in sorted(REGION_TYPES.items())]
        else:
            return _not_found()
        return json_response({"response": {"totalFacets": len(values), "facets": values},
                              "request": {"command": f"/v2/electricity/rto/{route}/facet/{name}/",
                                          "params": _echo_params(request)},
                              "apiVersion": API_VERSION}, synthetic=True)
    if request.param("frequency", "hourly") != "hourly":
        return json_response({"error": "Invalid frequency provided. The options are: hourly, local-hourly",
                              "code": 400}, 400)
    start, end = _parse_bound(request.param("start")), _parse_bound(request.param("end"))
    if start is None or end is None:
        return json_response({"error": "the replay server needs start and end (YYYY-MM-DDTHH)", "code": 400}, 400)
    if (end - start) / HOUR > MAX_PERIODS:
        return json_response({"error": f"the replay server serves at most {MAX_PERIODS} hours per request",
                              "code": 400}, 400)
    rows = _rows(route, request, start, end)
    offset = int(request.param("offset") or 0)
    length = int(request.param("length") or MAX_LENGTH)
    warnings = []
    if length > MAX_LENGTH:
        warnings.append({"warning": "Incomplete return",
                         "description": "The API can only return 5000 rows in JSON format.  Please consider "
                                        "constraining your request with facet, start, or end, or using the "
                                        "offset parameter to paginate results."})
        length = MAX_LENGTH
    response: dict[str, Any] = {"total": str(len(rows)), "dateFormat": "YYYY-MM-DD\"T\"HH24",
                                "frequency": "hourly", "data": rows[offset:offset + length],
                                "description": DESCRIPTIONS[route]}
    if warnings:
        response["warnings"] = warnings
    return json_response({"response": response,
                          "request": {"command": f"/v2/electricity/rto/{route}/data/",
                                      "params": _echo_params(request)},
                          "apiVersion": API_VERSION, "ExcelAddInVersion": "2.1.0"}, synthetic=True)
