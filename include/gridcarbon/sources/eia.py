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
respondent inside that window are replaced in one transaction.

Paging: at most 5000 rows per answer; ``offset``/``length`` against ``response.total`` (a string since API
2.1.6, as are the values; older answers have numbers; ``value`` may be null).

The key: sent as the ``api_key`` query parameter, which the API echoes in ``request.params.api_key``.
Raw answers are therefore never stored; only the parsed data fields reach the database, URLs in errors are
redacted (``gridcarbon.http.redact``) and any error text is scrubbed of the key value; urllib3's and
requests' own log lines (which contain the request URL) pass through a redacting filter.

Settings (environment, read when the task runs): ``EIA_RESPONDENTS`` (comma-separated BA codes; default:
every respondent the facet endpoint lists), ``EIA_LOOKBACK_HOURS`` (48), ``EIA_PAGE_LENGTH`` (5000).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from gridcarbon.errors import MalformedPayloadError, SourceError, SourceUnavailableError
from gridcarbon.http import fetch, json_body, redact
from gridcarbon.intervals import Window
from gridcarbon.settings import env_int, env_list
from gridcarbon.sources.validation import SchemaDriftError, finite_number, require_keys, show, unique_by
from gridcarbon.warehouse import (
    Column,
    Completeness,
    LoadMeta,
    LoadResult,
    RawTable,
    as_load_error,
    replace_window,
    rollback_quietly,
)

log = logging.getLogger(__name__)

SOURCE = "eia"
DEFAULT_BASE_URL = "https://api.eia.gov/v2"
EARLIEST = datetime(2018, 7, 1, tzinfo=UTC)  # first hour of EIA-930 net generation by fuel type
MAX_PAGE_LENGTH = 5000
DEFAULT_LOOKBACK_HOURS = 48
REGION_TYPES = ("D", "NG", "DF", "TI")
HOUR = timedelta(hours=1)


def _meta_columns(*cols: Column) -> tuple[Column, ...]:
    return (
        *cols,
        Column("interval_start_utc", "timestamptz not null", "start of the hour (EIA period - 1 h), UTC"),
        Column("value_mwh", "numeric", "MWh in the hour (= average MW); NULL = not reported"),
    )


FUEL_TYPE_DATA = RawTable(
    schema="raw_eia",
    name="fuel_type_data",
    columns=(
        *_meta_columns(
            Column("respondent", "text not null", "balancing authority code (e.g. PACW)"),
            Column("fueltype", "text not null", "EIA fuel type code (NG, COL, NUC, SUN, WND, WAT, ...)"),
        ),
        Column("respondent_name", "text"),
        Column("type_name", "text"),
        Column("value_units", "text"),
    ),
    primary_key=("respondent", "fueltype", "interval_start_utc"),
    completeness=Completeness(series=("fueltype",), values=("value_mwh",)),
    description="EIA-930 hourly net generation by balancing authority and fuel type (API v2 rto/fuel-type-data).",
)
REGION_DATA = RawTable(
    schema="raw_eia",
    name="region_data",
    columns=(
        *_meta_columns(
            Column("respondent", "text not null", "balancing authority code"),
            Column("type", "text not null", "D demand, NG net generation, DF demand forecast, TI total interchange"),
        ),
        Column("respondent_name", "text"),
        Column("type_name", "text"),
        Column("value_units", "text"),
    ),
    primary_key=("respondent", "type", "interval_start_utc"),
    completeness=Completeness(series=("type",), values=("value_mwh",)),
    description="EIA-930 hourly demand, net generation, forecast and total interchange per BA (rto/region-data).",
)
INTERCHANGE_DATA = RawTable(
    schema="raw_eia",
    name="interchange_data",
    columns=(
        *_meta_columns(
            Column("from_ba", "text not null", "reporting balancing authority"),
            Column("to_ba", "text not null", "neighbouring balancing authority"),
        ),
        Column("from_ba_name", "text"),
        Column("to_ba_name", "text"),
        Column("value_units", "text"),
    ),
    primary_key=("from_ba", "to_ba", "interval_start_utc"),
    completeness=Completeness(series=("to_ba",), values=("value_mwh",)),
    description="EIA-930 hourly interchange between BAs (rto/interchange-data; positive = export from from_ba).",
)
TABLES = [FUEL_TYPE_DATA, REGION_DATA, INTERCHANGE_DATA]


@dataclass(frozen=True)
class FuelTypeRecord:
    respondent: str
    fueltype: str
    interval_start_utc: datetime
    value_mwh: Decimal | None
    respondent_name: str | None
    type_name: str | None
    value_units: str | None

    def row(self) -> tuple[Any, ...]:
        return (self.respondent, self.fueltype, self.interval_start_utc, self.value_mwh, self.respondent_name,
                self.type_name, self.value_units)


@dataclass(frozen=True)
class RegionRecord:
    respondent: str
    type: str
    interval_start_utc: datetime
    value_mwh: Decimal | None
    respondent_name: str | None
    type_name: str | None
    value_units: str | None

    def row(self) -> tuple[Any, ...]:
        return (self.respondent, self.type, self.interval_start_utc, self.value_mwh, self.respondent_name,
                self.type_name, self.value_units)


@dataclass(frozen=True)
class InterchangeRecord:
    from_ba: str
    to_ba: str
    interval_start_utc: datetime
    value_mwh: Decimal | None
    from_ba_name: str | None
    to_ba_name: str | None
    value_units: str | None

    def row(self) -> tuple[Any, ...]:
        return (self.from_ba, self.to_ba, self.interval_start_utc, self.value_mwh, self.from_ba_name,
                self.to_ba_name, self.value_units)


Record = FuelTypeRecord | RegionRecord | InterchangeRecord


@dataclass(frozen=True)
class Route:
    """One ``electricity/rto`` route: where it lands and how its rows are keyed."""

    name: str
    table: RawTable
    scope_facet: str  # the facet that selects balancing authorities (and the replace scope column)
    scope_column: str
    sort_columns: tuple[str, ...]
    extra_facets: tuple[tuple[str, str], ...] = ()
    parse: Callable[..., list[Any]] | None = None

    @property
    def data_path(self) -> str:
        return f"electricity/rto/{self.name}/data/"


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


def parse_fuel_type_data(payload: Any, *, url: str | None = None, window: Window | None = None) -> list[FuelTypeRecord]:
    """One answer of ``rto/fuel-type-data`` -> records (period shifted to the interval start)."""
    return _unique([
        FuelTypeRecord(
            respondent=_text(r, "respondent", url, window),
            fueltype=_text(r, "fueltype", url, window),
            interval_start_utc=parse_period(r.get("period"), url=url, window=window),
            value_mwh=_row_value(r, url, window),
            respondent_name=r.get("respondent-name"),
            type_name=r.get("type-name"),
            value_units=r.get("value-units"),
        )
        for r in _rows(payload, url, window)
    ], lambda r: (r.respondent, r.fueltype, r.interval_start_utc), url, window)


def parse_region_data(payload: Any, *, url: str | None = None, window: Window | None = None) -> list[RegionRecord]:
    """One answer of ``rto/region-data`` -> records."""
    return _unique([
        RegionRecord(
            respondent=_text(r, "respondent", url, window),
            type=_text(r, "type", url, window),
            interval_start_utc=parse_period(r.get("period"), url=url, window=window),
            value_mwh=_row_value(r, url, window),
            respondent_name=r.get("respondent-name"),
            type_name=r.get("type-name"),
            value_units=r.get("value-units"),
        )
        for r in _rows(payload, url, window)
    ], lambda r: (r.respondent, r.type, r.interval_start_utc), url, window)


def parse_interchange_data(payload: Any, *, url: str | None = None,
                           window: Window | None = None) -> list[InterchangeRecord]:
    """One answer of ``rto/interchange-data`` -> records."""
    return _unique([
        InterchangeRecord(
            from_ba=_text(r, "fromba", url, window),
            to_ba=_text(r, "toba", url, window),
            interval_start_utc=parse_period(r.get("period"), url=url, window=window),
            value_mwh=_row_value(r, url, window),
            from_ba_name=r.get("fromba-name"),
            to_ba_name=r.get("toba-name"),
            value_units=r.get("value-units"),
        )
        for r in _rows(payload, url, window)
    ], lambda r: (r.from_ba, r.to_ba, r.interval_start_utc), url, window)


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


ROUTES: dict[str, Route] = {
    "fuel-type-data": Route("fuel-type-data", FUEL_TYPE_DATA, "respondent", "respondent",
                            ("period", "respondent", "fueltype"), parse=parse_fuel_type_data),
    "region-data": Route("region-data", REGION_DATA, "respondent", "respondent", ("period", "respondent", "type"),
                         extra_facets=tuple(("type", t) for t in REGION_TYPES), parse=parse_region_data),
    "interchange-data": Route("interchange-data", INTERCHANGE_DATA, "fromba", "from_ba",
                              ("period", "fromba", "toba"), parse=parse_interchange_data),
}


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
    response = fetch(session, url, source=SOURCE, start=start, end=end, params=params, ok_statuses=(200, 500))
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


def configured_respondents(session: Any, endpoint: Any) -> list[str]:
    configured = env_list("EIA_RESPONDENTS", [])
    return sorted({r.upper() for r in configured}) if configured else fetch_respondents(session, endpoint)


def fetch_route(
    session: Any,
    endpoint: Any,
    route: Route,
    hours: Window,
    respondents: Sequence[str],
    *,
    page_length: int | None = None,
) -> list[Any]:
    """Every row of ``route`` for ``respondents`` whose interval starts in ``hours``, all pages, once each."""
    install_log_redaction()
    length = min(page_length or env_int("EIA_PAGE_LENGTH", MAX_PAGE_LENGTH), MAX_PAGE_LENGTH)
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
    assert route.parse is not None
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


# --- loading ---------------------------------------------------------------------------------------------------


class _OneTransaction:
    """A connection view whose ``commit`` waits for the caller: several ``replace_window`` calls (one per
    respondent scope) then form one transaction."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        return self._conn.cursor(*args, **kwargs)

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        self._conn.rollback()


def load_route(
    conn: Any,
    route: Route,
    records: Sequence[Any],
    respondents: Sequence[str],
    hours: Window,
    meta: LoadMeta | None = None,
    *,
    url: str | None = None,
) -> list[LoadResult]:
    """Replace, per respondent, its rows of ``route`` inside ``hours``, all in one transaction. ``url`` (the
    route's, redacted) is named in load errors."""
    by_scope: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    wanted = set(respondents)
    for record in records:
        key = getattr(record, route.scope_column)
        if key not in wanted:
            raise MalformedPayloadError(f"EIA returned {route.scope_column}={key!r}, which was not requested",
                                        source=SOURCE, start=hours.start, end=hours.end)
        by_scope[key].append(record.row())
    meta = meta or LoadMeta(window=hours)
    tx = _OneTransaction(conn)
    results = []
    try:
        for respondent in sorted(wanted):
            results.append(replace_window(tx, route.table, by_scope.get(respondent, []),
                                          scope={route.scope_column: respondent}, time_column="interval_start_utc",
                                          window=hours, meta=meta, source=SOURCE, url=url))
        conn.commit()
    except Exception as exc:
        rollback_quietly(conn)
        error = as_load_error(exc, route.table, source=SOURCE, url=url, start=hours.start, end=hours.end)
        if error is exc:
            raise
        raise error from exc
    return results


def run_route(
    route_name: str,
    window: Window,
    respondents: Sequence[str],
    *,
    dag_id: str | None = None,
    run_id: str | None = None,
    conn: Any = None,
    session: Any = None,
    lookback_hours: int | None = None,
) -> int:
    """The task body: fetch one route for the run's hours (plus lookback) and replace them. Returns rows."""
    from gridcarbon.connections import resolve_endpoint
    from gridcarbon.http import session_scope
    from gridcarbon.warehouse import connection_scope

    route = ROUTES[route_name]
    lookback = timedelta(hours=lookback_hours if lookback_hours is not None
                         else env_int("EIA_LOOKBACK_HOURS", DEFAULT_LOOKBACK_HOURS))
    hours = hours_of(window, lookback)
    if hours is None:
        log.info("EIA %s: no hour ended inside %s (or all before %s); nothing to do", route_name, window,
                 EARLIEST.date())
        return 0
    endpoint = resolve_endpoint(SOURCE, DEFAULT_BASE_URL)
    with session_scope(session) as http:
        records = fetch_route(http, endpoint, route, hours, respondents)
    with connection_scope(conn) as db:
        load_route(db, route, records, respondents, hours, LoadMeta(dag_id=dag_id, run_id=run_id, window=hours),
                   url=redact(endpoint.url(route.data_path)))
    return len(records)
