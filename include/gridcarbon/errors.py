"""Named exceptions. Every message names the source, the URL and the interval, so an Airflow task log
says what broke and where without a stack-trace hunt."""

from __future__ import annotations

from datetime import datetime


def _where(source: str, url: str | None, start: datetime | None, end: datetime | None) -> str:
    parts = [f"source={source}"]
    if url:
        parts.append(f"url={url}")
    if start is not None or end is not None:
        parts.append(f"interval=[{start.isoformat() if start else '?'}, {end.isoformat() if end else '?'})")
    return " ".join(parts)


class SourceError(Exception):
    """Base class: something upstream went wrong for one source, URL and interval."""

    def __init__(
        self,
        message: str,
        *,
        source: str,
        url: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> None:
        self.source = source
        self.url = url
        self.start = start
        self.end = end
        self.detail = message
        super().__init__(f"{message} ({_where(source, url, start, end)})")


class MalformedPayloadError(SourceError):
    """The payload could not be parsed or does not have the shape the parser knows."""


class SourceAuthError(SourceError):
    """401/403/UNAUTHENTICATED: retrying will not help; fix the credential in the Airflow connection."""


class SourceUnavailableError(SourceError):
    """HTTP 429/5xx still failing after the HTTP-level retries; Airflow's task retries take over."""


class IntervalNotServedError(SourceError):
    """The source cannot serve this interval any more (current-data-only APIs). Runs skip, writing nothing."""


class LoadError(SourceError):
    """Rows that cannot be loaded as given (duplicates, rows outside the declared window or scope, naive
    timestamps), or the database failed during the load; a database error is the ``__cause__`` and is named
    in the message. ``source`` defaults to ``warehouse`` where the loader was not told which source it loads."""

    def __init__(
        self,
        message: str,
        *,
        source: str = "warehouse",
        url: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> None:
        super().__init__(message, source=source, url=url, start=start, end=end)


class IncompleteAnswerError(LoadError):
    """The answer would delete or blank values that were published before (an empty, cut-short or all-NULL
    answer for a window already loaded). Nothing is changed; Airflow's task retries ask again. ``expected`` and
    ``received`` count the published intervals (or hours) stored and answered."""

    def __init__(self, message: str, *, source: str = "warehouse", url: str | None = None,
                 start: datetime | None = None, end: datetime | None = None, expected: int = 0,
                 received: int = 0) -> None:
        super().__init__(message, source=source, url=url, start=start, end=end)
        self.expected = expected
        self.received = received
