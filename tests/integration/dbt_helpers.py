"""Shared by the dbt integration tests: small query helpers and independent re-computations of keys."""

from __future__ import annotations

import hashlib
import os
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
SALT = os.environ.get("GRIDCARBON_HOUSEHOLD_ID_SALT") or "gridcarbon-demo-salt"  # dbt var household_id_salt


def query(conn: Any, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def household_id(home_id: str) -> str:
    """The pseudonymous household id, computed here as documented (md5 of salt and Tibber home id)."""
    return hashlib.md5(f"{SALT}:{home_id}".encode()).hexdigest()  # noqa: S324 - pseudonym, not security


def local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=BERLIN).astimezone(ZoneInfo("UTC"))


def local_day_intervals(day: date, step: timedelta) -> list[datetime]:
    """The UTC interval starts of one Europe/Berlin calendar day (23 or 25 hours on DST days)."""
    start, end = local_midnight_utc(day), local_midnight_utc(day + timedelta(days=1))
    return [start + i * step for i in range(int((end - start) / step))]
