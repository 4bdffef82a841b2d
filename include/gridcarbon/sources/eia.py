"""US EIA API v2, ``electricity/rto`` (Form EIA-930, hourly): net generation by fuel, demand/net
generation/forecast/total interchange per balancing authority, and the interchange between BAs.

Routes (base ``https://api.eia.gov/v2``; the API key is the password of Airflow connection ``eia``):

- ``electricity/rto/fuel-type-data/data/``   -> ``raw_eia.fuel_type_data`` (every fuel type)
- ``electricity/rto/region-data/data/``      -> ``raw_eia.region_data`` (types D, NG, DF, TI)
- ``electricity/rto/interchange-data/data/`` -> ``raw_eia.interchange_data``
- ``electricity/rto/fuel-type-data/facet/respondent`` lists the balancing authorities (default set).

Time: with ``frequency=hourly`` the ``period`` (``YYYY-MM-DDTHH``, UTC) is the END of the hour; we store the
interval start (``period - 1 h``). ``start``/``end`` are both inclusive and compare against ``period``, so
the interval starts ``[a, b)`` are asked for as ``start = a + 1 h``, ``end = b``.

A run covers the hours that ENDED inside its data interval (the hourly schedule runs at ``:15``, so the
interval ``[00:15, 01:15)`` loads the hour ``[00:00, 01:00)``), widened back by ``EIA_LOOKBACK_HOURS``
(default 48) because EIA-930 values arrive late and are revised. Per route the rows of each requested
respondent inside that window are replaced, all respondents in the caller's one transaction.

Paging: at most 5000 rows per answer; ``offset``/``length`` against ``response.total`` (a string since API
2.1.6, as are the values; older answers have numbers; ``value`` may be null).

The key: sent as the ``api_key`` query parameter, which the API echoes in ``request.params.api_key``.
Raw answers are therefore never stored; only the parsed data fields reach the database, URLs in errors are
redacted (``gridcarbon.http.redact``) and any error text is scrubbed of the key value; urllib3's and
requests' own log lines (which contain the request URL) pass through a redacting filter.

Settings (``Settings.from_env``, read when the task starts): ``EIA_RESPONDENTS`` (comma-separated BA codes;
default: every respondent the facet endpoint lists), ``EIA_LOOKBACK_HOURS`` (48), ``EIA_PAGE_LENGTH`` (5000).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, make_dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from gridcarbon.errors import MalformedPayloadError, SourceError, SourceUnavailableError
from gridcarbon.http import fetch as http_fetch
from gridcarbon.http import json_body, redact
from gridcarbon.intervals import Window
from gridcarbon.settings import Environment
from gridcarbon.sources.contract import Fetched, NothingToLoad
from gridcarbon.sources.validation import SchemaDriftError, finite_number, require_keys, show, unique_by
from gridcarbon.warehouse import Completeness, LoadMeta, LoadResult, RawTable, Record, replace_window, sql

log = logging.getLogger(__name__)

SOURCE = "eia"
DEFAULT_BASE_URL = "https://api.eia.gov/v2"
EARLIEST = datetime(2018, 7, 1, tzinfo=UTC)  # first hour of EIA-930 net generation by fuel type
MAX_PAGE_LENGTH = 5000
DEFAULT_LOOKBACK_HOURS = 48
REGION_TYPES = ("D", "NG", "DF", "TI")
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Settings:
    """``EIA_RESPONDENTS`` (empty: every respondent the facet endpoint lists), ``EIA_LOOKBACK_HOURS`` (48; 0 for a
    long backfill, where revisions are already in), ``EIA_PAGE_LENGTH`` (rows per request, at most 5000)."""

    respondents: tuple[str, ...] = ()
    lookback: timedelta = timedelta(hours=DEFAULT_LOOKBACK_HOURS)
    page_length: int = MAX_PAGE_LENGTH

    @classmethod
    def from_env(cls, env: Environment) -> Settings:
        return cls(respondents=tuple(sorted({r.upper() for r in env.items("EIA_RESPONDENTS", ())})),
                   lookback=env.hours("EIA_LOOKBACK_HOURS", DEFAULT_LOOKBACK_HOURS),
                   page_length=min(env.integer("EIA_PAGE_LENGTH", MAX_PAGE_LENGTH, minimum=1), MAX_PAGE_LENGTH))


def _route_record(name: str, scope: tuple[str, str], series: tuple[str, str],
                  names: tuple[tuple[str, str], tuple[str, str]], doc: str) -> type[Record]:
    """The record class of one ``electricity/rto`` route, whose fields are its raw table's columns: the two keys of
    a series and their names as published (each ``(column, description)``), the hour, the value, the unit."""
    return make_dataclass(name, [
        (scope[0], str, field(metadata=sql("text not null", scope[1]))),
        (series[0], str, field(metadata=sql("text not null", series[1]))),
        ("interval_start_utc", datetime,
         field(metadata=sql("timestamptz not null", "start of the hour (EIA period - 1 h), UTC"))),
        ("value_mwh", Decimal | None,
         field(metadata=sql("numeric", "MWh in the hour (= average MW); NULL = not reported"))),
        (names[0][0], str | None, field(metadata=sql("text", names[0][1]))),
        (names[1][0], str | None, field(metadata=sql("text", names[1][1]))),
        ("value_units", str | None, field(metadata=sql("text", "unit of the value as published (megawatthours)"))),
    ], bases=(Record,), frozen=True, namespace={"__doc__": doc, "__module__": __name__})


FuelTypeRecord = _route_record(
    "FuelTypeRecord", ("respondent", "balancing authority code (e.g. PACW)"),
    ("fueltype", "EIA fuel type code (NG, COL, NUC, SUN, WND, WAT, ...)"),
    (("respondent_name", "balancing authority name as published"), ("type_name", "fuel type name as published")),
    "One row of ``raw_eia.fuel_type_data``: a balancing authority's net generation of one fuel type in one hour.")
RegionRecord = _route_record(
    "RegionRecord", ("respondent", "balancing authority code"),
    ("type", "D demand, NG net generation, DF demand forecast, TI total interchange"),
    (("respondent_name", "balancing authority name as published"), ("type_name", "type name as published")),
    "One row of ``raw_eia.region_data``: a balancing authority's demand, generation, forecast or interchange.")
InterchangeRecord = _route_record(
    "InterchangeRecord", ("from_ba", "reporting balancing authority"), ("to_ba", "neighbouring balancing authority"),
    (("from_ba_name", "name of from_ba as published"), ("to_ba_name", "name of to_ba as published")),
    "One row of ``raw_eia.interchange_data``: the interchange between two BAs.")

FUEL_TYPE_DATA = FuelTypeRecord.table(
    "raw_eia", "fuel_type_data", primary_key=("respondent", "fueltype", "interval_start_utc"),
    completeness=Completeness(series=("fueltype",), values=("value_mwh",)),
    description="EIA-930 hourly net generation by balancing authority and fuel type (API v2 rto/fuel-type-data).",
)
REGION_DATA = RegionRecord.table(
    "raw_eia", "region_data", primary_key=("respondent", "type", "interval_start_utc"),
    completeness=Completeness(series=("type",), values=("value_mwh",)),
    description="EIA-930 hourly demand, net generation, forecast and total interchange per BA (rto/region-data).",
)
INTERCHANGE_DATA = InterchangeRecord.table(
    "raw_eia", "interchange_data", primary_key=("from_ba", "to_ba", "interval_start_utc"),
    completeness=Completeness(series=("to_ba",), values=("value_mwh",)),
    description="EIA-930 hourly interchange between BAs (rto/interchange-data; positive = export from from_ba).",
)
TABLES = [FUEL_TYPE_DATA, REGION_DATA, INTERCHANGE_DATA]


@dataclass(frozen=True)
class Route:
    """One ``electricity/rto`` route: where it lands and how its rows are keyed. ``keys``: the answer's fields for
    the record's scope (the facet that selects balancing authorities), series and their two names."""

    name: str
    record: type[Record]
    table: RawTable
    keys: tuple[str, str, str, str]
    extra_facets: tuple[tuple[str, str], ...] = ()

    @property
    def data_path(self) -> str:
        return f"electricity/rto/{self.name}/data/"

    @property
    def scope_facet(self) -> str:
        return self.keys[0]

    @property
    def scope_column(self) -> str:
        """The record's first column (the replace scope: one balancing authority)."""
        return self.table.column_names[0]

    @property
    def sort_columns(self) -> tuple[str, ...]:
        return ("period", self.keys[0], self.keys[1])

    def parse(self, payload: Any, *, url: str | None = None, window: Window | None = None) -> list[Any]:
        """One answer of the route -> records (period shifted to the interval start), each series and hour once."""
        scope, series, scope_name, series_name = self.keys
        return _unique([
            self.record(_text(r, scope, url, window), _text(r, series, url, window),  # type: ignore[call-arg]
                        parse_period(r.get("period"), url=url, window=window), _row_value(r, url, window),
                        r.get(scope_name), r.get(series_name), r.get("value-units"))
            for r in _rows(payload, url, window)
        ], lambda r: r.row()[:3], url, window)


# --- parsing ---------------------------------------------------------------------------------------------------


def _fail(message: str, url: str | None, window: Window | None) -> MalformedPayloadError:
    return MalformedPayloadError(message, source=SOURCE, url=redact(url) if url else None,
                                 start=window.start if window else None, end=window.end if window else None)


def parse_value(raw: Any, *, url: str | None = None, window: Window | None = None) -> Decimal | None:
    """A value as EIA sends it: a JSON string (API >= 2.1.6), a number (older), or null."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if isinstance(raw, bool):
        raise _fail(f"value {raw!r} is not a number", url, window)
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise _fail(f"value {raw!r} is not a number", url, window) from None
    try:
        return finite_number(value, field="value")  # the shared rule: NaN, Infinity, |x| >= 1e9 are drift
    except SchemaDriftError as exc:
        raise _fail(f"{exc} (sent as {raw!r})", url, window) from None


def _row_value(row: Mapping[str, Any], url: str | None, window: Window | None) -> Decimal | None:
    """The row's ``value``: present and null -> None (not published); absent (renamed, e.g. ``val``) -> error."""
    try:
        series = row.get("respondent") or row.get("fromba")
        require_keys(row, ("value",), what=f"row {row.get('period')!r} of {series!r}")
    except SchemaDriftError as exc:
        raise _fail(str(exc), url, window) from None
    return parse_value(row["value"], url=url, window=window)


def _unique(records: list[Any], key: Callable[[Any], tuple[Any, ...]], url: str | None,
            window: Window | None) -> list[Any]:
    """One answer holds each series and hour once: an exact repeat collapses, another value is an error."""
    try:
        return unique_by(records, key=key, value=lambda r: r.value_mwh,
                         name=lambda k: " ".join(show(part) for part in k))
    except SchemaDriftError as exc:
        raise _fail(f"response.data: {exc}", url, window) from None


def parse_period(raw: Any, *, url: str | None = None, window: Window | None = None) -> datetime:
    """``"2023-01-01T05"`` (hour ENDING 05:00 UTC) -> the interval start 04:00 UTC."""
    try:
        end = datetime.strptime(str(raw), "%Y-%m-%dT%H").replace(tzinfo=UTC)
    except ValueError:
        raise _fail(f"period {raw!r} is not an hourly UTC period (YYYY-MM-DDTHH)", url, window) from None
    return end - HOUR


def parse_total(payload: Any, *, url: str | None = None, window: Window | None = None) -> int:
    response = _response(payload, url, window)
    raw = response.get("total")
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        raise _fail(f"response.total {raw!r} is not a row count", url, window) from None


def _response(payload: Any, url: str | None, window: Window | None) -> Mapping[str, Any]:
    if isinstance(payload, Mapping) and "error" in payload and "response" not in payload:
        raise SourceError(f"EIA answered with an error: {_error_text(payload)}", source=SOURCE,
                          url=redact(url) if url else None, start=window.start if window else None,
                          end=window.end if window else None)
    if not isinstance(payload, Mapping) or not isinstance(payload.get("response"), Mapping):
        raise _fail("answer has no 'response' object", url, window)
    return payload["response"]


def _rows(payload: Any, url: str | None, window: Window | None) -> list[Mapping[str, Any]]:
    data = _response(payload, url, window).get("data")
    if not isinstance(data, list) or not all(isinstance(r, Mapping) for r in data):
        raise _fail("response.data is not a list of objects", url, window)
    return data


def _text(row: Mapping[str, Any], key: str, url: str | None, window: Window | None) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value:
        raise _fail(f"row without {key!r}: {dict(row)!r}", url, window)
    return value


def parse_fuel_type_data(payload: Any, *, url: str | None = None, window: Window | None = None) -> list[Any]:
    """One answer of ``rto/fuel-type-data`` -> ``FuelTypeRecord``s."""
    return ROUTES["fuel-type-data"].parse(payload, url=url, window=window)


def parse_region_data(payload: Any, *, url: str | None = None, window: Window | None = None) -> list[Any]:
    """One answer of ``rto/region-data`` -> ``RegionRecord``s."""
    return ROUTES["region-data"].parse(payload, url=url, window=window)


def parse_interchange_data(payload: Any, *, url: str | None = None, window: Window | None = None) -> list[Any]:
    """One answer of ``rto/interchange-data`` -> ``InterchangeRecord``s."""
    return ROUTES["interchange-data"].parse(payload, url=url, window=window)


def parse_respondent_facets(payload: Any, *, url: str | None = None) -> list[str]:
    """``.../facet/respondent`` -> the sorted balancing-authority codes."""
    facets = _response(payload, url, None).get("facets")
    if not isinstance(facets, list):
        raise _fail("response.facets is not a list", url, None)
    ids = {f.get("id") for f in facets if isinstance(f, Mapping)}
    if None in ids or not all(isinstance(i, str) and i for i in ids):
        raise _fail("a facet has no id", url, None)
    return sorted(ids)  # type: ignore[arg-type]


def _error_text(payload: Mapping[str, Any]) -> str:
    err = payload.get("error")
    if isinstance(err, Mapping):
        return f"{err.get('code')}: {err.get('message')}"
    return f"{err} (code {payload.get('code')})"


ROUTES: dict[str, Route] = {route.name: route for route in (
    Route("fuel-type-data", FuelTypeRecord, FUEL_TYPE_DATA, ("respondent", "fueltype", "respondent-name", "type-name")),
    Route("region-data", RegionRecord, REGION_DATA, ("respondent", "type", "respondent-name", "type-name"),
          extra_facets=tuple(("type", t) for t in REGION_TYPES)),
    Route("interchange-data", InterchangeRecord, INTERCHANGE_DATA, ("fromba", "toba", "fromba-name", "toba-name")),
)}


ROUTES_BY_TABLE: dict[str, RawTable] = {r.table.qualified: r.table for r in ROUTES.values()}


# --- windows ---------------------------------------------------------------------------------------------------


def _floor_hour(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hours_of(window: Window, lookback: timedelta = timedelta(0)) -> Window | None:
    """The hour intervals a run loads: the hours that ENDED inside ``window`` (interval starts
    ``[floor(start), floor(end))``), widened back by ``lookback``, never before ``EARLIEST``.
    None if no hour ended inside the window."""
    first_start, last_end = _floor_hour(window.start), _floor_hour(window.end)
    start = max(first_start - lookback, EARLIEST)
    if first_start >= last_end or start >= last_end:
        return None
    return Window(start, last_end)


def request_bounds(hours: Window) -> tuple[str, str]:
    """EIA ``start``/``end`` (inclusive, hour-ending periods) for the interval starts ``[a, b)``."""
    return (hours.start + HOUR).strftime("%Y-%m-%dT%H"), hours.end.strftime("%Y-%m-%dT%H")


# --- fetching --------------------------------------------------------------------------------------------------


class _RedactingFilter(logging.Filter):
    """Redacts credentials from log records of urllib3/requests (their debug/warning lines carry URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is not ours to fix
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = _RedactingFilter()


def install_log_redaction() -> None:
    for name in ("urllib3.connectionpool", "urllib3.util.retry", "urllib3", "requests"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


@contextmanager
def secret_scrubbed(secret: str | None) -> Iterator[None]:
    """Re-raise any error with the secret's value removed from its message (belt and braces over redact)."""
    try:
        yield
    except SourceError as exc:
        if secret and secret in str(exc):
            detail = exc.detail.replace(secret, "***")
            url = exc.url.replace(secret, "***") if exc.url else exc.url
            raise type(exc)(detail, source=exc.source, url=url, start=exc.start, end=exc.end) from None
        raise
    except Exception as exc:
        if secret and secret in str(exc):
            raise SourceError(f"{type(exc).__name__}: {str(exc).replace(secret, '***')}", source=SOURCE) from None
        raise


def _get_json(session: Any, url: str, params: list[tuple[str, Any]], window: Window | None) -> Any:
    start, end = (window.start, window.end) if window else (None, None)
    response = http_fetch(session, url, source=SOURCE, start=start, end=end, params=params, ok_statuses=(200, 500))
    if response.status_code == 500:
        shown = redact(response.url)
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, Mapping) and body.get("error") == "Not found." and str(body.get("code")) == "404":
            raise SourceError("EIA answered HTTP 500 {\"error\":\"Not found.\",\"code\":404}: this route does not "
                              "exist in API v2 (check the route path and the connection's base URL)",
                              source=SOURCE, url=shown, start=start, end=end)
        raise SourceUnavailableError(f"HTTP 500 after retries; body: {redact(response.text[:300])}",
                                     source=SOURCE, url=shown, start=start, end=end)
    return json_body(response, source=SOURCE, start=start, end=end)


def fetch_respondents(session: Any, endpoint: Any) -> list[str]:
    """Every balancing authority the API lists for fuel-type-data (the default respondent set)."""
    install_log_redaction()
    url = endpoint.url("electricity/rto/fuel-type-data/facet/respondent")
    with secret_scrubbed(endpoint.password):
        payload = _get_json(session, url, [("api_key", endpoint.password or "")], None)
        return parse_respondent_facets(payload, url=url)


def configured_respondents(session: Any, endpoint: Any, settings: Settings) -> list[str]:
    """``settings.respondents``, or every balancing authority the facet endpoint lists (the plan of a run)."""
    return list(settings.respondents) if settings.respondents else fetch_respondents(session, endpoint)


def fetch_route(
    session: Any,
    endpoint: Any,
    route: Route,
    hours: Window,
    respondents: Sequence[str],
    *,
    page_length: int = MAX_PAGE_LENGTH,
) -> list[Any]:
    """Every row of ``route`` for ``respondents`` whose interval starts in ``hours``, all pages, once each."""
    install_log_redaction()
    length = min(page_length, MAX_PAGE_LENGTH)
    start, end = request_bounds(hours)
    url = endpoint.url(route.data_path)
    base: list[tuple[str, Any]] = [("frequency", "hourly"), ("data[0]", "value")]
    base += [(f"facets[{route.scope_facet}][]", r) for r in respondents]
    base += [(f"facets[{name}][]", value) for name, value in route.extra_facets]
    base += [("start", start), ("end", end)]
    for i, col in enumerate(route.sort_columns):
        base += [(f"sort[{i}][column]", col), (f"sort[{i}][direction]", "asc")]
    records: list[Any] = []
    offset = 0
    total: int | None = None
    with secret_scrubbed(endpoint.password):
        while True:
            params = [*base, ("offset", offset), ("length", length), ("api_key", endpoint.password or "")]
            payload = _get_json(session, url, params, hours)
            page_total = parse_total(payload, url=url, window=hours)
            for warning in _response(payload, url, hours).get("warnings") or []:
                log.warning("EIA %s warning: %s", route.name, redact(str(warning), endpoint.password))
            if total is not None and page_total != total:
                raise SourceUnavailableError(
                    f"response.total changed from {total} to {page_total} while paging (EIA published rows "
                    "meanwhile); offsets would skip or repeat rows, so the task is retried", source=SOURCE,
                    url=redact(url), start=hours.start, end=hours.end)
            total = page_total
            page = route.parse(payload, url=url, window=hours)
            records.extend(page)
            offset += len(page)
            if offset >= total:
                break
            if not page:
                raise _fail(f"response.total is {total} but the answer at offset {offset} has no rows", url, hours)
        if len(records) > total:
            raise _fail(f"got {len(records)} rows, more than response.total {total}", url, hours)
    kept = [r for r in records if hours.start <= r.interval_start_utc < hours.end]
    log.info("EIA %s: %d rows for %d respondents in %s (%d request(s))", route.name, len(kept), len(respondents),
             hours, max(1, -(-total // length)) if total else 1)
    return kept


@dataclass(frozen=True)
class RouteRecords:
    """What one route's ``fetch`` answered: its records for the requested respondents (each one's rows replace
    its own scope, also when it has none)."""

    route: Route
    respondents: tuple[str, ...]
    records: list[Any] = field(default_factory=list)


def fetch(
    session: Any,
    endpoint: Any,
    window: Window,
    settings: Settings,
    respondents: Sequence[str] | None = None,
    *,
    route: str = "fuel-type-data",
) -> Fetched[RouteRecords] | NothingToLoad:
    """One route for the run's hours (those that ended in ``window``) plus ``settings.lookback``, for
    ``respondents`` (the plan's list; None: ``configured_respondents``)."""
    hours = hours_of(window, settings.lookback)
    if hours is None:
        return NothingToLoad(f"no hour ended inside {window} (or all before {EARLIEST.date()})")
    chosen = tuple(respondents) if respondents is not None else tuple(configured_respondents(session, endpoint,
                                                                                             settings))
    the_route = ROUTES[route]
    records = fetch_route(session, endpoint, the_route, hours, chosen, page_length=settings.page_length)
    return Fetched(RouteRecords(the_route, chosen, records), hours, url=redact(endpoint.url(the_route.data_path)))


def route_fetch(route: str) -> Callable[..., Fetched[RouteRecords] | NothingToLoad]:
    """``fetch`` of one route, for the registry (one feed task per route)."""

    def fetch_route_of_run(session: Any, endpoint: Any, window: Window, settings: Settings,
                           respondents: Sequence[str] | None = None) -> Fetched[RouteRecords] | NothingToLoad:
        return fetch(session, endpoint, window, settings, respondents, route=route)

    return fetch_route_of_run


# --- loading ---------------------------------------------------------------------------------------------------


def load(conn: Any, fetched: RouteRecords, hours: Window, meta: LoadMeta) -> list[LoadResult]:
    """Replace, per requested respondent, its rows of the route inside ``hours`` (in the caller's transaction:
    the runner's ``transaction`` makes all respondents one)."""
    route = fetched.route
    by_scope: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    wanted = set(fetched.respondents)
    for record in fetched.records:
        key = getattr(record, route.scope_column)
        if key not in wanted:
            raise MalformedPayloadError(f"EIA returned {route.scope_column}={key!r}, which was not requested",
                                        source=SOURCE, start=hours.start, end=hours.end)
        by_scope[key].append(record.row())
    return [replace_window(conn, route.table, by_scope.get(respondent, []), scope={route.scope_column: respondent},
                           time_column="interval_start_utc", window=hours, meta=meta, source=SOURCE)
            for respondent in sorted(wanted)]


# --- the DAG eia_ingest (gridcarbon.sources.registry): its documentation in the Airflow UI
DAG_DOC = """
### EIA ingest (US EIA API v2, Form EIA-930 hourly grid monitor)

Every hour at :15 (UTC) loads the hours that ended inside the run's data interval (so `[00:15, 01:15)` loads
the hour `00:00-01:00`) from three `electricity/rto` routes, each re-reading the last `EIA_LOOKBACK_HOURS`
(default 48) because EIA-930 values arrive late and are revised:

- `fuel-type-data` (all fuel types) -> `raw_eia.fuel_type_data`
- `region-data` (types D, NG, DF, TI) -> `raw_eia.region_data`
- `interchange-data` -> `raw_eia.interchange_data`

EIA's `period` is the END of the hour (UTC); the tables hold the interval start. Per route, the rows of every
requested balancing authority inside the window are replaced in one transaction (idempotent reruns).

**Configuration** (environment of the workers, read at run time): `EIA_RESPONDENTS` (comma-separated BA
codes; default: every respondent the API lists at `electricity/rto/fuel-type-data/facet/respondent`),
`EIA_LOOKBACK_HOURS` (48; set 0 for a long backfill, where revisions are already in), `EIA_START` (parse
time, default `GRIDCARBON_CATCHUP_DAYS`=2 days back) is the first scheduled interval. Connection `eia`:
host = base URL (default
`https://api.eia.gov/v2`), **password = API key** (sent as `api_key`; EIA echoes it in every answer, so raw
answers are never stored and URLs are redacted in logs and errors). Pool `eia` (EIA asks for < 5 req/s).

**Backfill** (hourly data by fuel type exist from 2018-07-01; earlier windows load nothing):

    airflow backfill create --dag-id eia_ingest --from-date 2018-07-01 --to-date 2018-08-01

or a manual run for a long window with conf `{"window_start": "2018-07-01T00:00Z", "window_end":
"2018-08-01T00:00Z"}` (one paged request per route instead of hundreds of hourly runs).
"""
