"""Shared by the dbt integration tests: small query helpers and independent re-computations of keys."""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def query(conn: Any, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def keyed_household_id(key: str, home_id: str) -> str:
    """The pseudonymous household id, computed here as documented: hex HMAC-SHA256 of the Tibber home id with
    ``key`` (the one in the warehouse's ``private.pseudonym_key``)."""
    return hmac.new(key.encode(), home_id.encode(), hashlib.sha256).hexdigest()


def household_id(home_id: str) -> str:
    """The household id in a test warehouse: keyed with the key every test database gets
    (``GRIDCARBON_PSEUDONYM_KEY``, set by tests/conftest.py before any bootstrap)."""
    return keyed_household_id(os.environ["GRIDCARBON_PSEUDONYM_KEY"], home_id)


def local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=BERLIN).astimezone(ZoneInfo("UTC"))


def local_day_intervals(day: date, step: timedelta) -> list[datetime]:
    """The UTC interval starts of one Europe/Berlin calendar day (23 or 25 hours on DST days)."""
    start, end = local_midnight_utc(day), local_midnight_utc(day + timedelta(days=1))
    return [start + i * step for i in range(int((end - start) / step))]
