"""Tibber GraphQL API: the account's homes, their metered consumption and their day-ahead prices.

Requests (``POST <connection host>``, JSON body ``{"query", "variables"}``, ``Authorization: Bearer <token>``,
token = password of the Airflow connection ``tibber``; never logged):

1. ``viewer { homes { id timeZone appNickname address {...} currentSubscription { priceInfo {...} } } }``
   -> ``raw_tibber.homes`` and ``raw_tibber.prices`` (``priceInfo.today``/``tomorrow``: the API only offers
   the current and the next local day, so the prices window is the days it returned, not the run's window);
2. per home, ``viewer { home(id) { consumption(resolution, first, after) {...} } }``, paged with the cursor
   arguments until the run's window plus a lookback (default 48 h, late meter readings) is covered
   -> ``raw_tibber.consumption``, replaced per ``{home_id, resolution}`` over that widened window.

Resolution: the 2023 schema (``tibber/tibber_graphql_introspection_2023-08.json``) has ``EnergyResolution``
``HOURLY, DAILY, WEEKLY, MONTHLY, ANNUAL`` only, so the finest consumption resolution is ``HOURLY``
(default). ``TIBBER_RESOLUTION=QUARTER_HOURLY`` asks for 15-minute nodes where the API offers them.
Settings (``Settings.from_env``, read when the task starts): ``TIBBER_RESOLUTION``, ``TIBBER_LOOKBACK_HOURS``
(48), ``TIBBER_PAGE_SIZE`` (500 nodes per request).

Cursors: Tibber's cursors are base64-encoded timestamps. The first page asks for nodes *after* one interval
before the window start (that covers both an inclusive and an exclusive reading of ``after``); nodes outside
the window are dropped; the next page starts after ``pageInfo.endCursor``.

Timestamps carry the home's offset (``2023-04-10T00:00:00.000+02:00``) and are stored in UTC; the interval end
comes from ``to``. ``consumption: null`` stays NULL.

Errors: GraphQL ``errors`` with ``extensions.code = UNAUTHENTICATED`` -> ``SourceAuthError`` (not retried);
other GraphQL errors -> ``SourceError`` with Tibber's message; HTTP 429/5xx are retried by the session.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gridcarbon.connections import Endpoint
from gridcarbon.errors import MalformedPayloadError, SourceAuthError, SourceError
from gridcarbon.http import fetch as http_fetch
from gridcarbon.intervals import Window, parse_utc
from gridcarbon.settings import Environment
from gridcarbon.sources.contract import Fetched
from gridcarbon.sources.validation import SchemaDriftError, finite_number, require_keys, unique_by
from gridcarbon.warehouse import Completeness, LoadMeta, LoadResult, Record, replace_window, sql

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

SOURCE = "tibber"
DEFAULT_BASE_URL = "https://api.tibber.com/v1-beta/gql"
RESOLUTION_STEPS: dict[str, timedelta] = {"HOURLY": timedelta(hours=1), "QUARTER_HOURLY": timedelta(minutes=15)}
DEFAULT_RESOLUTION = "HOURLY"  # finest EnergyResolution in the recorded schema (no QUARTER_HOURLY there)
DEFAULT_LOOKBACK = timedelta(hours=48)
DEFAULT_PAGE_SIZE = 500
MAX_PAGES = 1000
# Value fields every node / price entry of our queries carries (null allowed = not metered / not published); an
# absent one was renamed or dropped upstream and is an error, never stored as NULL.
NODE_VALUE_FIELDS = ("consumption", "cost", "unitPrice", "unitPriceVAT")
PRICE_VALUE_FIELDS = ("total", "energy", "tax")

# --------------------------------------------------------------------------------------------- records and tables
@dataclass(frozen=True)
class HomeRow(Record):
    """A row about one home: every Tibber table starts with the home id."""

    home_id: str = field(metadata=sql("text not null", "Tibber home id"))


@dataclass(frozen=True)
class HomeSeriesRow(HomeRow):
    """A row of one of a home's series at one resolution (consumption nodes, prices)."""

    resolution: str = field(metadata=sql("text not null", "HOURLY or QUARTER_HOURLY"))


@dataclass(frozen=True)
class Home(HomeRow):
    """One row of ``raw_tibber.homes``."""

    time_zone: str | None = field(metadata=sql("text", "IANA time zone of the home (timeZone)"))
    currency: str | None = field(metadata=sql("text", "currency of the current subscription's prices"))
    app_nickname: str | None = field(metadata=sql("text", "app nickname (personal data, not passed on to staging)"))
    address1: str | None = field(metadata=sql("text", "street address (personal data, not passed on to staging)"))
    postal_code: str | None = field(metadata=sql("text", "postal code (personal data, not passed on to staging)"))
    city: str | None = field(metadata=sql("text", "city (personal data, not passed on to staging)"))
    country: str | None = field(metadata=sql("text", "country code (not passed on to staging)"))


@dataclass(frozen=True)
class ConsumptionRecord(HomeSeriesRow):
    """One row of ``raw_tibber.consumption``: a home's metered grid import in one interval."""

    interval_start_utc: datetime = field(metadata=sql("timestamptz not null", "node `from`, in UTC"))
    interval_end_utc: datetime = field(metadata=sql("timestamptz not null", "node `to`, in UTC"))
    consumption_kwh: Decimal | None = field(
        metadata=sql("numeric", "grid import in the interval; NULL = not metered (yet)"))
    consumption_unit: str | None = field(metadata=sql("text", "consumptionUnit as sent (kWh)"))
    cost: Decimal | None = field(metadata=sql("numeric", "cost of the interval in `currency`"))
    unit_price: Decimal | None = field(metadata=sql("numeric", "price per kWh incl. VAT"))
    unit_price_vat: Decimal | None = field(metadata=sql("numeric", "VAT part of unit_price"))
    currency: str | None = field(metadata=sql("text", "currency of cost and prices"))


@dataclass(frozen=True)
class PriceRecord(HomeSeriesRow):
    """One row of ``raw_tibber.prices``: a home's price of one interval (priceInfo today/tomorrow; the resolution
    is the spacing of startsAt)."""

    starts_at_utc: datetime = field(metadata=sql("timestamptz not null", "price interval start (startsAt), in UTC"))
    total: Decimal | None = field(metadata=sql("numeric", "total price per kWh incl. taxes"))
    energy: Decimal | None = field(metadata=sql("numeric", "energy (spot) part per kWh"))
    tax: Decimal | None = field(metadata=sql("numeric", "tax part per kWh"))
    currency: str | None = field(metadata=sql("text", "currency"))
    level: str | None = field(metadata=sql("text", "Tibber's price level (VERY_CHEAP .. VERY_EXPENSIVE)"))


@dataclass(frozen=True)
class LiveMeasurement(HomeRow):
    """One row of ``raw_tibber.live_measurements``: a Tibber Pulse sample."""

    measured_at_utc: datetime = field(metadata=sql("timestamptz not null", "liveMeasurement.timestamp, in UTC"))
    power_w: Decimal | None = field(metadata=sql("numeric", "grid import power in W"))
    power_production_w: Decimal | None = field(metadata=sql("numeric", "export power in W"))
    accumulated_consumption_kwh: Decimal | None = field(metadata=sql("numeric", "import since local midnight, kWh"))
    accumulated_consumption_last_hour_kwh: Decimal | None = field(
        metadata=sql("numeric", "import since the start of the hour, kWh"))


HOMES = Home.table("raw_tibber", "homes", primary_key=("home_id",),
                   description="Tibber homes of the account (personal data: raw schema only).")
CONSUMPTION = ConsumptionRecord.table(
    "raw_tibber", "consumption", primary_key=("home_id", "resolution", "interval_start_utc"),
    # Compared by hour: a switch of TIBBER_RESOLUTION replaces an hour's rows by the same hour at the new
    # resolution (the load's scope is the home, both resolutions), never adds a second resolution.
    completeness=Completeness(series=(), values=("consumption_kwh",), bucket="hour"),
    description="Metered grid import per home and interval, from Tibber's consumption connection.",
)
PRICES = PriceRecord.table("raw_tibber", "prices", primary_key=("home_id", "resolution", "starts_at_utc"),
                           completeness=Completeness(series=(), values=("total",)),
                           description="Tibber priceInfo today/tomorrow per home.")
LIVE_MEASUREMENTS = LiveMeasurement.table(
    "raw_tibber", "live_measurements", primary_key=("home_id", "measured_at_utc"),
    description="Tibber Pulse live samples (filled by a later collector; empty for now).")
TABLES = [HOMES, CONSUMPTION, PRICES, LIVE_MEASUREMENTS]

_PRICE_FIELDS = "total energy tax currency level startsAt"

HOMES_QUERY = (
    "query Homes { viewer { homes { id timeZone appNickname "
    "address { address1 postalCode city country } "
    "currentSubscription { priceInfo { current { currency } "
    f"today {{ {_PRICE_FIELDS} }} tomorrow {{ {_PRICE_FIELDS} }} }} }} }} }} }}"
)

_CONSUMPTION_QUERY = (
    "query Consumption($homeId: ID!, $first: Int!, $after: String) { viewer { home(id: $homeId) { id "
    "consumption(resolution: {resolution}, first: $first, after: $after) { "
    "pageInfo { startCursor endCursor hasNextPage hasPreviousPage count } "
    "nodes { from to cost unitPrice unitPriceVAT consumption consumptionUnit currency } } } } }"
)


def consumption_query(resolution: str) -> str:
    if resolution not in RESOLUTION_STEPS:
        raise ValueError(f"unsupported Tibber resolution {resolution!r}; use one of {sorted(RESOLUTION_STEPS)}")
    return _CONSUMPTION_QUERY.replace("{resolution}", resolution)


# --------------------------------------------------------------------------------------------- a run's answer
@dataclass
class HomeData:
    """Everything fetched for one home in one run."""

    home: Home
    consumption: list[ConsumptionRecord] = field(default_factory=list)
    prices: list[PriceRecord] = field(default_factory=list)


@dataclass
class TibberFetch:
    window: Window  # the widened consumption window
    resolution: str
    homes: list[HomeData] = field(default_factory=list)


# --------------------------------------------------------------------------------------------- parsing
def parse_timestamp(value: Any) -> datetime:
    """An ISO-8601 timestamp *with offset* (``2023-04-10T00:00:00.000+02:00``) -> aware UTC datetime."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"timestamp missing or not a string: {value!r}")
    text = value.strip()
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError(f"timestamp without offset: {value!r}")
    return parse_utc(dt)


def _num(value: Any, field: str = "value") -> Decimal | None:
    """A number as sent (exact Decimal): null -> None; NaN, Infinity (JSON tokens Python's json accepts) and
    magnitudes >= 1e9 -> ``SchemaDriftError`` (a ValueError) naming ``field`` (``validation.finite_number``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{field}: not a number: {value!r}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        number = Decimal(value)
    else:
        raise ValueError(f"{field}: not a number: {value!r}")
    return finite_number(number, field=field)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def loads(text: str | bytes) -> Any:
    """JSON with exact decimals (``3.229`` stays ``Decimal('3.229')``)."""
    return json.loads(text, parse_float=Decimal)


def _malformed(message: str, url: str | None, window: Window | None) -> MalformedPayloadError:
    return MalformedPayloadError(message, source=SOURCE, url=url,
                                 start=window.start if window else None, end=window.end if window else None)


def check_graphql_errors(payload: Any, *, url: str | None = None, window: Window | None = None) -> None:
    """Raise the named error for a GraphQL ``errors`` answer (HTTP 200 with ``errors`` and ``data: null``)."""
    if not isinstance(payload, Mapping):
        raise _malformed(f"GraphQL answer is not a JSON object but {type(payload).__name__}", url, window)
    errors = payload.get("errors")
    if not errors:
        return
    if not isinstance(errors, list):
        errors = [errors]
    messages = []
    unauthenticated = False
    for err in errors:
        err = err if isinstance(err, Mapping) else {"message": str(err)}
        code = (err.get("extensions") or {}).get("code") if isinstance(err.get("extensions"), Mapping) else None
        unauthenticated = unauthenticated or code == "UNAUTHENTICATED"
        messages.append(f"{err.get('message', '?')}" + (f" [{code}]" if code else ""))
    start = window.start if window else None
    end = window.end if window else None
    if unauthenticated:
        raise SourceAuthError(
            f"Tibber rejected the access token ({'; '.join(messages)}): put a valid personal access token "
            f"into the password of the Airflow connection {SOURCE!r}",
            source=SOURCE, url=url, start=start, end=end,
        )
    raise SourceError(f"Tibber GraphQL error: {'; '.join(messages)}", source=SOURCE, url=url, start=start, end=end)


def parse_consumption_nodes(
    nodes: Sequence[Any],
    *,
    home_id: str,
    resolution: str,
    currency: str | None = None,
    url: str | None = None,
    window: Window | None = None,
) -> list[ConsumptionRecord]:
    """Consumption nodes (``from``, ``to``, ``consumption``, ...) -> records in UTC.

    ``currency`` is used where a node does not carry its own (the 2021/2023 recordings do not ask for it).
    A value field that is absent (``consumptionKwh`` instead of ``consumption``) is schema drift, not "not
    metered": ``consumption: null`` stays NULL, a missing ``consumption`` key raises (``NODE_VALUE_FIELDS``).
    An interval sent twice with different values raises; an exact repeat collapses.
    """
    records = []
    for i, node in enumerate(nodes):
        try:
            if not isinstance(node, Mapping):
                raise ValueError(f"node is {type(node).__name__}, not an object")
            start = parse_timestamp(node.get("from"))
            end = parse_timestamp(node.get("to"))
            if not start < end:
                raise ValueError(f"`to` {node.get('to')!r} is not after `from` {node.get('from')!r}")
            require_keys(node, NODE_VALUE_FIELDS, what=f"node from {node.get('from')}")
            records.append(ConsumptionRecord(
                home_id=home_id,
                resolution=resolution,
                interval_start_utc=start,
                interval_end_utc=end,
                consumption_kwh=_num(node.get("consumption"), "consumption"),
                consumption_unit=_str(node.get("consumptionUnit")),
                cost=_num(node.get("cost"), "cost"),
                unit_price=_num(node.get("unitPrice"), "unitPrice"),
                unit_price_vat=_num(node.get("unitPriceVAT"), "unitPriceVAT"),
                currency=_str(node.get("currency")) or currency,
            ))
        except (ValueError, ArithmeticError, TypeError) as exc:
            raise _malformed(f"consumption node {i} of home {home_id}: {exc}", url, window) from None
    try:
        return unique_by(records, key=lambda r: r.interval_start_utc,
                         value=lambda r: (r.interval_end_utc, r.consumption_kwh, r.cost, r.unit_price,
                                          r.unit_price_vat),
                         name=lambda ts: f"consumption node from {ts.isoformat()} (to, consumption, cost, unitPrice, "
                                         "unitPriceVAT)")
    except SchemaDriftError as exc:
        raise _malformed(f"home {home_id}: {exc}", url, window) from None


def _price_resolution(starts: Sequence[datetime]) -> str:
    steps = {b - a for a, b in itertools.pairwise(starts)}
    if steps and max(steps) <= timedelta(minutes=15):
        return "QUARTER_HOURLY"
    return "HOURLY"


def parse_price_info(
    price_info: Mapping[str, Any] | None,
    *,
    home_id: str,
    url: str | None = None,
    window: Window | None = None,
) -> list[PriceRecord]:
    """``priceInfo { today [...] tomorrow [...] }`` -> price records in UTC (``current`` duplicates a today row).

    The resolution is read from the spacing of ``startsAt`` (1 h -> HOURLY, 15 min -> QUARTER_HOURLY).
    """
    if price_info is None:
        return []
    if not isinstance(price_info, Mapping):
        raise _malformed(f"priceInfo of home {home_id} is not an object", url, window)
    records: list[PriceRecord] = []
    for day in ("today", "tomorrow"):
        entries = price_info.get(day) or []
        if not isinstance(entries, list):
            raise _malformed(f"priceInfo.{day} of home {home_id} is not a list", url, window)
        try:
            starts = [parse_timestamp(e.get("startsAt")) for e in entries]
            resolution = _price_resolution(starts)
            for entry, start in zip(entries, starts, strict=True):
                require_keys(entry, PRICE_VALUE_FIELDS, what=f"price startsAt {entry.get('startsAt')}")
                records.append(PriceRecord(
                    home_id=home_id,
                    resolution=resolution,
                    starts_at_utc=start,
                    total=_num(entry.get("total"), "total"),
                    energy=_num(entry.get("energy"), "energy"),
                    tax=_num(entry.get("tax"), "tax"),
                    currency=_str(entry.get("currency")),
                    level=_str(entry.get("level")),
                ))
        except (ValueError, ArithmeticError, TypeError, AttributeError) as exc:
            raise _malformed(f"priceInfo.{day} of home {home_id}: {exc}", url, window) from None
    try:
        return unique_by(records, key=lambda r: (r.resolution, r.starts_at_utc),
                         value=lambda r: (r.total, r.energy, r.tax),
                         name=lambda k: f"price startsAt {k[1].isoformat()} (total, energy, tax)")
    except SchemaDriftError as exc:
        raise _malformed(f"priceInfo of home {home_id}: {exc}", url, window) from None


def _currency_of(price_info: Mapping[str, Any] | None) -> str | None:
    if not isinstance(price_info, Mapping):
        return None
    current = price_info.get("current")
    if isinstance(current, Mapping) and current.get("currency"):
        return str(current["currency"])
    for day in ("today", "tomorrow"):
        for entry in price_info.get(day) or []:
            if isinstance(entry, Mapping) and entry.get("currency"):
                return str(entry["currency"])
    return None


def parse_homes(payload: Any, *, url: str | None = None,
                window: Window | None = None) -> list[tuple[Home, list[PriceRecord]]]:
    """The answer to ``HOMES_QUERY`` -> (home, its today/tomorrow prices) per home of the account."""
    check_graphql_errors(payload, url=url, window=window)
    try:
        homes = payload["data"]["viewer"]["homes"]
        if not isinstance(homes, list):
            raise TypeError("viewer.homes is not a list")
    except (KeyError, TypeError) as exc:
        raise _malformed(f"answer has no data.viewer.homes list ({exc})", url, window) from None
    result = []
    for i, raw in enumerate(homes):
        if not isinstance(raw, Mapping) or not raw.get("id"):
            raise _malformed(f"home {i} has no id", url, window)
        home_id = str(raw["id"])
        address = raw.get("address") if isinstance(raw.get("address"), Mapping) else {}
        subscription = raw.get("currentSubscription") if isinstance(raw.get("currentSubscription"), Mapping) else {}
        price_info = subscription.get("priceInfo")
        home = Home(
            home_id=home_id,
            time_zone=_str(raw.get("timeZone")),
            currency=_currency_of(price_info),
            app_nickname=_str(raw.get("appNickname")),
            address1=_str(address.get("address1")),
            postal_code=_str(address.get("postalCode")),
            city=_str(address.get("city")),
            country=_str(address.get("country")),
        )
        result.append((home, parse_price_info(price_info, home_id=home_id, url=url, window=window)))
    return result


@dataclass(frozen=True)
class PageInfo:
    end_cursor: str | None
    has_next_page: bool


def parse_consumption_page(
    payload: Any,
    *,
    home_id: str,
    resolution: str,
    currency: str | None = None,
    url: str | None = None,
    window: Window | None = None,
) -> tuple[list[ConsumptionRecord], PageInfo]:
    """One answer to ``consumption_query`` -> (records, page info)."""
    check_graphql_errors(payload, url=url, window=window)
    try:
        home = payload["data"]["viewer"]["home"]
        if home is None:
            raise KeyError(f"home {home_id} not found in the account")
        connection = home["consumption"]
    except (KeyError, TypeError) as exc:
        raise _malformed(f"answer has no data.viewer.home.consumption ({exc})", url, window) from None
    if connection is None:  # a home without a metering point / contract yet
        return [], PageInfo(None, False)
    nodes = connection.get("nodes") if isinstance(connection, Mapping) else None
    if not isinstance(nodes, list):
        raise _malformed(f"consumption of home {home_id} has no nodes list", url, window)
    page = connection.get("pageInfo") or {}
    records = parse_consumption_nodes(nodes, home_id=home_id, resolution=resolution, currency=currency,
                                      url=url, window=window)
    return records, PageInfo(_str(page.get("endCursor")), bool(page.get("hasNextPage")))


def parse_live_measurement(message: Any, *, home_id: str) -> LiveMeasurement:
    """A graphql-transport-ws ``next`` message of the ``liveMeasurement`` subscription -> one sample in UTC."""
    where = "liveMeasurement websocket message"
    if not isinstance(message, Mapping) or message.get("type") != "next":
        raise MalformedPayloadError(f"{where} is not a 'next' message: {str(message)[:120]}", source=SOURCE)
    payload = message.get("payload") or {}
    check_graphql_errors(payload)
    try:
        live = payload["data"]["liveMeasurement"]
        return LiveMeasurement(
            home_id=home_id,
            measured_at_utc=parse_timestamp(live["timestamp"]),
            power_w=_num(live.get("power"), "power"),
            power_production_w=_num(live.get("powerProduction"), "powerProduction"),
            accumulated_consumption_kwh=_num(live.get("accumulatedConsumption"), "accumulatedConsumption"),
            accumulated_consumption_last_hour_kwh=_num(live.get("accumulatedConsumptionLastHour"),
                                                       "accumulatedConsumptionLastHour"),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise MalformedPayloadError(f"{where}: {exc}", source=SOURCE) from None


# --------------------------------------------------------------------------------------------- fetching
def encode_cursor(moment: datetime, time_zone: str | None) -> str:
    """Tibber-style cursor: base64 of the local ISO timestamp with offset (``2025-03-30T00:00:00.000+01:00``)."""
    try:
        tz = ZoneInfo(time_zone) if time_zone else None
    except (ZoneInfoNotFoundError, ValueError):
        tz = None
    local = moment.astimezone(tz) if tz else moment
    text = local.isoformat(timespec="milliseconds")
    return base64.b64encode(text.encode()).decode()


def decode_cursor(cursor: str) -> datetime:
    return parse_utc(base64.b64decode(cursor).decode())


def _post(session: requests.Session, endpoint: Endpoint, body: Mapping[str, Any], window: Window) -> Any:
    headers = {"Content-Type": "application/json"}
    if endpoint.password:
        headers["Authorization"] = f"Bearer {endpoint.password}"
    url = endpoint.base_url
    # 400 carries GraphQL validation errors in the body; read them instead of a bare "HTTP 400".
    response = http_fetch(session, url, source=SOURCE, start=window.start, end=window.end, method="POST",
                     ok_statuses=(200, 400), data=json.dumps(body), headers=headers)
    try:
        payload = loads(response.content)
    except ValueError as exc:
        raise _malformed(f"body is not valid JSON ({exc}); starts with {response.text[:80]!r}", url,
                         window) from None
    if response.status_code == 400 and not (isinstance(payload, Mapping) and payload.get("errors")):
        raise SourceError(f"HTTP 400; body: {response.text[:300]}", source=SOURCE, url=url,
                          start=window.start, end=window.end)
    return payload


def fetch_consumption(
    session: requests.Session,
    endpoint: Endpoint,
    home: Home,
    window: Window,
    *,
    resolution: str = DEFAULT_RESOLUTION,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> list[ConsumptionRecord]:
    """All consumption nodes of ``home`` whose ``from`` lies in ``window``, paging with ``first``/``after``."""
    step = RESOLUTION_STEPS[resolution]
    query = consumption_query(resolution)
    expected = int((window.end - window.start) / step) + 2
    first = max(1, min(page_size, expected))
    cursor: str | None = encode_cursor(window.start - step, home.time_zone)
    found: dict[datetime, ConsumptionRecord] = {}
    for _ in range(MAX_PAGES):
        body = {"query": query, "variables": {"homeId": home.home_id, "first": first, "after": cursor}}
        payload = _post(session, endpoint, body, window)
        records, page = parse_consumption_page(payload, home_id=home.home_id, resolution=resolution,
                                               currency=home.currency, url=endpoint.base_url, window=window)
        for rec in records:
            if not window.start <= rec.interval_start_utc < window.end:
                continue
            if rec.interval_start_utc in found:
                raise _malformed(f"home {home.home_id}: interval {rec.interval_start_utc.isoformat()} sent twice",
                                 endpoint.base_url, window)
            found[rec.interval_start_utc] = rec
        if not records or not page.has_next_page or records[-1].interval_start_utc >= window.end - step:
            break
        next_cursor = page.end_cursor or encode_cursor(records[-1].interval_start_utc, home.time_zone)
        if next_cursor == cursor:
            raise _malformed(f"home {home.home_id}: paging does not advance (cursor {cursor})",
                             endpoint.base_url, window)
        cursor = next_cursor
    else:
        raise _malformed(f"home {home.home_id}: more than {MAX_PAGES} pages", endpoint.base_url, window)
    return [found[k] for k in sorted(found)]


@dataclass(frozen=True)
class Settings:
    """``TIBBER_RESOLUTION`` (HOURLY or QUARTER_HOURLY), ``TIBBER_LOOKBACK_HOURS`` (48: late meter readings),
    ``TIBBER_PAGE_SIZE`` (consumption nodes per request)."""

    resolution: str = DEFAULT_RESOLUTION
    lookback: timedelta = DEFAULT_LOOKBACK
    page_size: int = DEFAULT_PAGE_SIZE

    def __post_init__(self) -> None:
        if self.resolution not in RESOLUTION_STEPS:
            raise ValueError(f"TIBBER_RESOLUTION={self.resolution!r}: use one of {sorted(RESOLUTION_STEPS)}")

    @classmethod
    def from_env(cls, env: Environment) -> Settings:
        return cls(resolution=env.text("TIBBER_RESOLUTION", DEFAULT_RESOLUTION).upper(),
                   lookback=env.hours("TIBBER_LOOKBACK_HOURS", int(DEFAULT_LOOKBACK.total_seconds() // 3600)),
                   page_size=env.integer("TIBBER_PAGE_SIZE", DEFAULT_PAGE_SIZE, minimum=1))


def fetch(session: requests.Session, endpoint: Endpoint, window: Window, settings: Settings) -> Fetched[TibberFetch]:
    """Homes, prices and the consumption of ``window`` widened by ``settings.lookback`` for every home of the
    account; the widened window is what ``load`` replaces."""
    widened = window.widened(settings.lookback)
    payload = _post(session, endpoint, {"query": HOMES_QUERY}, window)
    result = TibberFetch(window=widened, resolution=settings.resolution)
    for home, prices in parse_homes(payload, url=endpoint.base_url, window=window):
        consumption = fetch_consumption(session, endpoint, home, widened, resolution=settings.resolution,
                                        page_size=settings.page_size)
        log.info("tibber home %s: %d %s consumption nodes in %s, %d prices", home.home_id, len(consumption),
                 settings.resolution, widened, len(prices))
        result.homes.append(HomeData(home=home, consumption=consumption, prices=prices))
    return Fetched(result, widened, url=endpoint.base_url)


# --------------------------------------------------------------------------------------------- loading
def _price_windows(prices: Iterable[PriceRecord]) -> dict[str, tuple[Window, list[PriceRecord]]]:
    by_resolution: dict[str, list[PriceRecord]] = {}
    for p in prices:
        by_resolution.setdefault(p.resolution, []).append(p)
    out = {}
    for resolution, recs in by_resolution.items():
        start = min(r.starts_at_utc for r in recs)
        end = max(r.starts_at_utc for r in recs) + RESOLUTION_STEPS[resolution]
        out[resolution] = (Window(start, end), recs)
    return out


def load(conn: Any, fetched: TibberFetch, window: Window, meta: LoadMeta) -> list[LoadResult]:
    """Replace, per home: its ``homes`` row, its consumption in ``window`` (the widened window ``fetch``
    answered; scope: the home, all resolutions, so a switch of ``TIBBER_RESOLUTION`` replaces the window's rows
    at the old resolution) and its prices over the days the API returned. All in the caller's transaction. The
    tables are created by the warehouse bootstrap (``python -m gridcarbon.bootstrap``), not by the loader role."""
    results = []
    for data in fetched.homes:
        home_id = data.home.home_id
        results.append(replace_window(conn, HOMES, [data.home.row()], scope={"home_id": home_id}, meta=meta))
        results.append(replace_window(
            conn, CONSUMPTION, (r.row() for r in data.consumption),
            scope={"home_id": home_id}, time_column="interval_start_utc", window=window, meta=meta,
        ))
        for resolution, (price_window, recs) in _price_windows(data.prices).items():
            results.append(replace_window(
                conn, PRICES, (r.row() for r in recs), scope={"home_id": home_id, "resolution": resolution},
                time_column="starts_at_utc", window=price_window, meta=meta,
            ))
    return results


# --- the DAG tibber_ingest (gridcarbon.sources.registry): its documentation in the Airflow UI
DAG_DOC = """### tibber_ingest

Hourly extraction of the Tibber account's homes, metered consumption and day-ahead prices into
`raw_tibber.homes`, `raw_tibber.consumption` and `raw_tibber.prices`.

- **Schedule**: `5 * * * *` UTC (CronDataIntervalTimetable, one run per hour), catchup from `TIBBER_START`
  (ISO date; default `GRIDCARBON_CATCHUP_DAYS`, 2, days before today, midnight UTC). Older history: a backfill
  (`airflow backfill create --dag-id tibber_ingest --from-date ... --to-date ...`) or a manual run with a window
  conf, as far back as Tibber serves consumption.
- **Window**: the data interval (or a manual run's `conf={"window_start", "window_end"}`), widened by
  `TIBBER_LOOKBACK_HOURS` (default 48) because meter readings arrive late; the widened window is replaced
  per home and resolution, so reruns give the same rows.
- **Resolution**: `TIBBER_RESOLUTION` (default `HOURLY`, the finest in Tibber's published schema;
  `QUARTER_HOURLY` where the API offers it).
- **Connection** `tibber`: host = GraphQL URL (default `https://api.tibber.com/v1-beta/gql`), password = personal
  access token. An UNAUTHENTICATED answer fails the task without retries: fix the password.
- **Pool** `tibber`.
"""
