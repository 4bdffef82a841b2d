"""What the US ISO sources (CAISO, MISO, PJM, SPP, NYISO, ISO-NE, BPA, ERCOT) share: the one raw table
``raw_iso.generation_by_fuel``, its record type, its loader, their settings, the "still served?" rule for
current-data-only APIs (a value, ``NotServed``, never an exception) and the retry rule for a window whose last
interval is not published yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Self
from zoneinfo import ZoneInfo

from gridcarbon.errors import MalformedPayloadError, SourceUnavailableError
from gridcarbon.intervals import Window
from gridcarbon.settings import Environment
from gridcarbon.sources.contract import Fetched, NothingToLoad, NotServed
from gridcarbon.sources.validation import SchemaDriftError, finite_number
from gridcarbon.warehouse import Completeness, LoadMeta, LoadResult, Record, replace_window, sql

DEFAULT_GRACE_MINUTES = 45


@dataclass(frozen=True)
class IsoSettings:
    """What every ISO source reads: ``ISO_PUBLICATION_GRACE_MINUTES`` (see ``raise_if_last_interval_missing``).
    ``now`` is the moment "still served" and "published yet" are judged at (None: the clock; tests pin it).
    Each ISO module's ``Settings`` extends this with its own variables (``own_from_env``)."""

    grace: timedelta = timedelta(minutes=DEFAULT_GRACE_MINUTES)
    now: datetime | None = None

    @classmethod
    def from_env(cls, env: Environment) -> Self:
        return cls(grace=env.minutes("ISO_PUBLICATION_GRACE_MINUTES", DEFAULT_GRACE_MINUTES), **cls.own_from_env(env))

    @classmethod
    def own_from_env(cls, env: Environment) -> dict[str, Any]:
        return {}

    def clock(self) -> datetime:
        return self.now or datetime.now(UTC)


@dataclass(frozen=True)
class GenerationRecord(Record):
    """One row of ``raw_iso.generation_by_fuel``: an ISO's generation of one fuel label in one interval."""

    iso: str = field(metadata=sql("text not null", "caiso, miso, pjm, spp, nyiso, isone, bpa or ercot"))
    source_label: str = field(metadata=sql("text not null", "the ISO's own fuel label, unchanged"))
    interval_start_utc: datetime = field(metadata=sql("timestamptz not null", "start of the interval (UTC, half-open)"))
    interval_minutes: int = field(metadata=sql("int not null", "interval length in minutes (5 or 60)"))
    generation_mw: Decimal | float | None = field(
        metadata=sql("numeric", "average MW over the interval; NULL = not reported"))


GENERATION_BY_FUEL = GenerationRecord.table(
    "raw_iso", "generation_by_fuel", primary_key=("iso", "source_label", "interval_start_utc"),
    completeness=Completeness(series=("source_label",), values=("generation_mw",)),
    description="Generation by fuel of the US ISOs, one row per ISO, label and interval (raw, as published).",
)
GenerationAnswer = Fetched[list[GenerationRecord]] | NotServed | NothingToLoad  # what an ISO's fetch returns


def in_window(records: Iterable[GenerationRecord], window: Window) -> list[GenerationRecord]:
    """The records whose interval starts inside ``window`` (sources often answer more than asked)."""
    return [r for r in records if window.start <= r.interval_start_utc < window.end]


def floor_to(ts: datetime, minutes: int) -> datetime:
    """``ts`` (aware) floored to a multiple of ``minutes`` in UTC."""
    ts = ts.astimezone(UTC)
    step = minutes * 60
    seconds = int(ts.timestamp()) // step * step
    return datetime.fromtimestamp(seconds, UTC)


def intervals_ended_in(window: Window, minutes: int) -> Window | None:
    """The ``minutes``-long intervals that ENDED inside ``window``: starts ``[floor(start), floor(end))``.

    For a schedule that runs a little after the interval boundary (e.g. hourly at :10, interval
    ``[00:10, 01:10)``) this is the hour ``[00:00, 01:00)``; an aligned window is returned unchanged.
    """
    start, end = floor_to(window.start, minutes), floor_to(window.end, minutes)
    return Window(start, end) if start < end else None


def load_generation(
    conn: Any,
    iso: str,
    records: Iterable[GenerationRecord],
    window: Window,
    meta: LoadMeta | None = None,
    *,
    url: str | None = None,
) -> LoadResult:
    """Replace ``iso``'s rows whose interval starts in ``window`` by ``records`` (in the caller's transaction).

    Every record must belong to ``iso`` and start inside ``window`` (filter with ``in_window`` first);
    otherwise ``LoadError`` is raised and nothing is written.
    """
    return replace_window(
        conn,
        GENERATION_BY_FUEL,
        (r.row() for r in records),
        scope={"iso": iso},
        time_column="interval_start_utc",
        window=window,
        meta=meta or LoadMeta(window=window),
        source=iso,
        url=url,
    )


def served_part(
    window: Window,
    *,
    oldest_served: datetime | Callable[[datetime], datetime] | None = None,
    served_for: timedelta | None = None,
    now: datetime | None = None,
) -> Window | None:
    """The part of ``window`` a current-data-only source can still serve, or None if none.

    The oldest instant served is ``oldest_served`` (a datetime, or a function of ``now``), or
    ``now - served_for``.
    """
    now = now or datetime.now(UTC)
    if callable(oldest_served):
        oldest = oldest_served(now)
    elif oldest_served is not None:
        oldest = oldest_served
    elif served_for is not None:
        oldest = now - served_for
    else:
        raise ValueError("give oldest_served or served_for")
    if window.end <= oldest:
        return None
    if window.start >= oldest:
        return window
    return Window(oldest, window.end)


def serve(
    source: str,
    window: Window,
    settings: IsoSettings,
    *,
    oldest_served: datetime | Callable[[datetime], datetime] | None = None,
    served_for: timedelta | None = None,
    what: str = "current data only",
) -> Window | NotServed:
    """The served part of ``window``, or ``NotServed`` naming the reason if none (the run then writes nothing).

    For sources that only publish recent data (``what`` says which, e.g. "today and yesterday"): a run for an
    interval that is too old cannot be repaired by retrying, so it ends as *skipped* with the reason. A window that
    is only partly too old is clipped to the served part (and only that part is replaced).
    """
    now = settings.clock()
    part = served_part(window, oldest_served=oldest_served, served_for=served_for, now=now)
    if part is not None:
        return part
    oldest = served_part(Window(now - timedelta(days=36500), now + timedelta(seconds=1)),
                         oldest_served=oldest_served, served_for=served_for, now=now)
    since = oldest.start.isoformat() if oldest else "?"
    return NotServed(
        f"{source} serves {what} (nothing before {since} at {now.isoformat()}); window {window} can no "
        f"longer be fetched from it, so this run writes nothing. Data for it must come from another "
        f"source (e.g. EIA's hourly fuel-type data for US balancing authorities)."
    )


def local_sequence_to_utc(naive: Sequence[datetime], tz: ZoneInfo) -> list[datetime | None]:
    """Wall-clock times in file order -> UTC.

    An ambiguous time (autumn fall-back) is the first occurrence unless that would not move forward from the
    previous row, then the second. A time that does not exist (spring gap) gives ``None``.
    """
    out: list[datetime | None] = []
    previous: datetime | None = None
    for wall in naive:
        first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
        second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
        if first.astimezone(tz).replace(tzinfo=None) != wall:
            out.append(None)  # does not exist on this day
            continue
        chosen = first
        if first != second and previous is not None and first <= previous:
            chosen = second
        out.append(chosen)
        previous = chosen
    return out


def raise_if_last_interval_missing(
    source: str,
    records: Sequence[GenerationRecord],
    window: Window,
    settings: IsoSettings,
    *,
    step: timedelta = timedelta(minutes=5),
) -> None:
    """Retry, don't lose: a window that ended less than ``settings.grace`` (``ISO_PUBLICATION_GRACE_MINUTES``,
    default 45) ago must hold its last interval (one starting at or after ``window.end - step``).

    An interval-based DAG runs at its window's end, when the last few minutes are usually not published yet;
    the next run starts where this window ends, so without this check they would never be fetched. Raising
    ``SourceUnavailableError`` lets Airflow retry (exponential backoff). After the grace period whatever is
    there is loaded (a real gap stays a gap).
    """
    now = settings.clock()
    if now >= window.end + settings.grace:
        return
    last_expected = window.end - step
    if any(r.interval_start_utc >= last_expected for r in records):
        return
    raise SourceUnavailableError(
        f"no data yet for the window's last interval (starting {last_expected.isoformat()}); the window ended "
        f"{int((now - window.end).total_seconds() // 60)} min ago, Airflow retries the task",
        source=source, start=window.start, end=window.end)


def generation(
    source: str,
    records: Iterable[GenerationRecord],
    window: Window,
    settings: IsoSettings,
    *,
    url: str | None = None,
    step: timedelta | None = timedelta(minutes=5),
) -> Fetched[list[GenerationRecord]]:
    """The end of an ISO's ``fetch``: the records inside ``window`` for it to replace, after checking that the
    window's last interval (``step`` long; None: no check) is published (``raise_if_last_interval_missing``)."""
    from gridcarbon.http import redact

    kept = in_window(records, window)
    if step is not None:
        raise_if_last_interval_missing(source, kept, window, settings, step=step)
    return Fetched(kept, window, url=redact(url) if url else None)


def fetch_served_file(
    source: str,
    session: Any,
    url: str,
    window: Window,
    settings: IsoSettings,
    *,
    served_for: timedelta,
    what: str,
    parse: Callable[..., list[GenerationRecord]],
) -> GenerationAnswer:
    """The ``fetch`` of an ISO that publishes one rolling text file of recent intervals (BPA's ``baltwg.txt``,
    SPP's gen-mix CSV): the part of ``window`` the file still holds (the last ``served_for``; ``what`` says it
    in the skip reason), or ``NotServed``; the file at ``url`` parsed by ``parse(text, url=, start=, end=)`` and
    kept inside that part (``generation``)."""
    from gridcarbon.http import fetch as http_fetch

    served = serve(source, window, settings, served_for=served_for, what=what)
    if isinstance(served, NotServed):
        return served
    text = http_fetch(session, url, source=source, start=served.start, end=served.end).text
    return generation(source, parse(text, url=url, start=served.start, end=served.end), served, settings, url=url)


def generation_loader(iso: str) -> Callable[[Any, Sequence[GenerationRecord], Window, LoadMeta], list[LoadResult]]:
    """``load(conn, records, window, meta)`` of one ISO: replace its rows of ``window`` (``load_generation``)."""

    def load(conn: Any, records: Sequence[GenerationRecord], window: Window, meta: LoadMeta) -> list[LoadResult]:
        return [load_generation(conn, iso, records, window, meta)]

    load.__name__ = load.__qualname__ = f"load_{iso}"
    return load


def malformed(source: str, message: str, url: str | None, window: Window | None) -> MalformedPayloadError:
    """A MalformedPayloadError naming the source, the (redacted) URL and the interval."""
    from gridcarbon.http import redact

    return MalformedPayloadError(message, source=source, url=redact(url) if url else None,
                                 start=window.start if window else None, end=window.end if window else None)


def parse_mw(raw: Any, *, source: str, field: str, url: str | None, window: Window | None) -> Decimal | None:
    """One MW value as the ISOs send it (number, or string with thousands commas): empty/None -> NULL;
    a bool, a non-number, a non-finite value or one beyond ``validation.BOUND`` -> MalformedPayloadError."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise malformed(source, f"{field} {raw!r} is not a number", url, window)
    try:
        value = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation:
        raise malformed(source, f"{field} {raw!r} is not a number", url, window) from None
    try:
        return finite_number(value, field=field)  # the shared rule: NaN, Infinity, |x| >= 1e9 are drift
    except SchemaDriftError as exc:
        raise malformed(source, f"{exc} (sent as {raw!r})", url, window) from None
