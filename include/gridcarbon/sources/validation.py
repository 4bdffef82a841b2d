"""Schema drift is an error: the rules every parser applies before a payload becomes records.

One rule per kind of drift, shared by all sources, so "what counts as malformed" is defined once:

- **A value field that is absent** (renamed or dropped: EIA ``val`` instead of ``value``, Tibber
  ``consumptionKwh`` instead of ``consumption``) is drift: ``require_keys``. A field that is *present* with
  ``null`` is not drift: it stays NULL ("not published yet").
- **A file that lost a column**: ``require_columns`` names the expected and the found columns.
- **Non-finite or absurd numbers**: ``finite_number`` rejects NaN, +/-Infinity (JSON tokens ``NaN``/``Infinity``
  that Python's ``json`` accepts, or ``"NaN"``/``"inf"`` cells of a CSV) and any magnitude of ``BOUND`` (1e9) or
  more: no grid quantity in MW, MWh or kWh and no price per MWh or kWh comes near it (Germany's whole yearly
  consumption is about 5e8 MWh), so such a number is a broken payload, not a measurement.
- **Duplicate timestamps in one series of one answer**: ``unique_by`` collapses exact duplicates (same values)
  silently and rejects the same timestamp with different values, naming the timestamp and both values; nothing
  "last wins" silently.

The helpers raise ``SchemaDriftError`` (a ``ValueError``) with the field or row at fault; each parser turns it
into ``MalformedPayloadError`` naming source, URL and window (``as_malformed``), so nothing of the payload is
returned to be loaded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from gridcarbon.errors import MalformedPayloadError

T = TypeVar("T")
N = TypeVar("N", int, float, Decimal)

BOUND = 1e9  # no MW, MWh, kWh or EUR/MWh figure comes near this


class SchemaDriftError(ValueError):
    """A payload that changed shape or holds an impossible value (the message names the field or row)."""


def show(value: Any) -> str:
    """A value as a user reads it in an error: ``null``, ``nan``, ``1e+300``, ``3.229``, ``2024-01-01T10:00+00:00``."""
    if value is None:
        return "null"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return "(" + ", ".join(show(v) for v in value) + ")"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def finite_number(value: N | None, *, field: str, bound: float = BOUND) -> N | None:
    """``value`` unchanged if it is None or a finite number of magnitude below ``bound``; else SchemaDriftError.

    Parse the payload's text first (thousands commas, German decimal commas are the parser's business), then
    pass the number here: ``float("NaN")``, ``Decimal("inf")`` and ``1e300`` are all rejected.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise SchemaDriftError(f"{field} {value!r} is not a number")
    if isinstance(value, Decimal):
        finite = value.is_finite()
    elif isinstance(value, float):
        finite = math.isfinite(value)
    else:
        finite = True
    if not finite:
        raise SchemaDriftError(f"{field} {show(value)} is not a finite number")
    if abs(value) >= bound:
        raise SchemaDriftError(f"{field} {show(value)} is out of range (|value| >= {bound:g}: no grid quantity in "
                               "MW, MWh, kWh or price per MWh comes near it)")
    return value


def require_keys(obj: Mapping[str, Any], keys: Iterable[str], *, what: str) -> None:
    """Every key of ``keys`` must be present in ``obj`` (its value may be null): an absent key is a renamed or
    dropped field, which would otherwise be stored as NULL ("not published") over published values."""
    missing = [k for k in keys if k not in obj]
    if missing:
        raise SchemaDriftError(f"{what} has no {', '.join(repr(k) for k in missing)} field (renamed or dropped?); "
                               f"fields present: {sorted(obj)}")


def require_columns(found: Sequence[str], expected: Sequence[str], *, what: str, ignore_case: bool = False) -> None:
    """Every column of ``expected`` must be in the header ``found``; extra columns are the parser's decision."""
    have = {c.casefold() for c in found} if ignore_case else set(found)
    missing = [c for c in expected if (c.casefold() if ignore_case else c) not in have]
    if missing:
        raise SchemaDriftError(f"{what} lost column(s) {missing}: expected {list(expected)}, found {list(found)}")


def unique_by(records: Iterable[T], *, key: Callable[[T], Hashable], value: Callable[[T], Any],
              name: Callable[[Any], str]) -> list[T]:
    """``records`` with exact duplicates (same key, same value) collapsed to the first, in order.

    The same key with a different value raises SchemaDriftError naming the key (``name(key)``) and both values.
    """
    first: dict[Hashable, T] = {}
    out: list[T] = []
    for record in records:
        k = key(record)
        if k in first:
            a, b = value(first[k]), value(record)
            if a != b:
                raise SchemaDriftError(f"{name(k)} appears twice with different values: {show(a)} and {show(b)}")
            continue
        first[k] = record
        out.append(record)
    return out


def unique_generation(records: Iterable[T]) -> list[T]:
    """``unique_by`` for generation records (``source_label``, ``interval_start_utc``, ``generation_mw``)."""
    return unique_by(records, key=lambda r: (r.source_label, r.interval_start_utc),  # type: ignore[attr-defined]
                     value=lambda r: r.generation_mw,  # type: ignore[attr-defined]
                     name=lambda k: f"{k[0]} at {k[1].isoformat()}")


def as_malformed(exc: Exception, *, source: str, url: str | None = None, start: datetime | None = None,
                 end: datetime | None = None, prefix: str = "") -> MalformedPayloadError:
    """The MalformedPayloadError a parser raises for ``exc``: source, (redacted) URL and window named."""
    from gridcarbon.http import redact

    return MalformedPayloadError(f"{prefix}{exc}", source=source, url=redact(url) if url else None, start=start,
                                 end=end)
