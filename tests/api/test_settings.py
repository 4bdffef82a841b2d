"""Where the API finds the marts: ``AIRFLOW_CONN_WAREHOUSE_BI``, else the loader's connection as ``bi_reader``
(never with the loader's password), else libpq's environment; and time parameters as documented."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gridcarbon.api.errors import ApiError
from gridcarbon.api.params import Granularity, parse_local, parse_timezone, utc, utc_period
from gridcarbon.api.settings import redacted, resolve_bi_dsn


def test_an_explicit_bi_connection_wins() -> None:
    env = {"AIRFLOW_CONN_WAREHOUSE_BI": "postgres://bi_reader:s3cret@db:5433/wh",
           "AIRFLOW_CONN_WAREHOUSE_POSTGRES": "postgresql://gridcarbon_loader:loader@other:5432/gridcarbon"}
    assert resolve_bi_dsn(env, use_airflow=False) == "postgresql://bi_reader:s3cret@db:5433/wh"


def test_the_loaders_connection_is_read_as_bi_reader_with_its_own_password() -> None:
    env = {"AIRFLOW_CONN_WAREHOUSE_POSTGRES": "postgresql://gridcarbon_loader:loader-pw@postgres:5432/gridcarbon",
           "WAREHOUSE_BI_READER_PASSWORD": "bi pw/with:specials"}
    dsn = resolve_bi_dsn(env, use_airflow=False)
    assert dsn == "postgresql://bi_reader:bi%20pw%2Fwith%3Aspecials@postgres:5432/gridcarbon"
    assert "loader-pw" not in dsn
    assert redacted(dsn) == "postgresql://bi_reader:***@postgres:5432/gridcarbon"
    # trust authentication (the local cluster): no password at all
    del env["WAREHOUSE_BI_READER_PASSWORD"]
    assert resolve_bi_dsn(env, use_airflow=False) == "postgresql://bi_reader@postgres:5432/gridcarbon"


def test_without_connections_libpqs_environment_names_the_server() -> None:
    env = {"PGHOST": "10.0.0.5", "PGPORT": "6432", "WAREHOUSE_DB": "gc"}
    assert resolve_bi_dsn(env, use_airflow=False) == "postgresql://bi_reader@10.0.0.5:6432/gc"


def test_times_are_utc_inside_the_served_span() -> None:
    berlin = parse_timezone("Europe/Berlin")
    assert parse_local("2025-03-30", "start", berlin) == datetime(2025, 3, 29, 23, tzinfo=UTC)
    assert parse_local("2025-03-30T12:00", "start", berlin) == datetime(2025, 3, 30, 10, tzinfo=UTC)  # CEST
    assert parse_local("2025-03-30T12:00Z", "start", berlin) == datetime(2025, 3, 30, 12, tzinfo=UTC)
    assert utc(datetime(2025, 1, 1), "datetime") == datetime(2025, 1, 1, tzinfo=UTC)  # naive = UTC
    with pytest.raises(ApiError, match="outside the served span"):
        utc(datetime.fromisoformat("0001-01-01T00:00:00+01:00"), "datetime")
    with pytest.raises(ApiError, match="unknown time zone"):
        parse_timezone("../../etc/passwd")


def test_periods_are_utc_calendar_periods() -> None:
    at = datetime(2024, 2, 29, 13, 47, tzinfo=UTC)
    assert utc_period(at, Granularity.fifteen_minutes).start == datetime(2024, 2, 29, 13, 45, tzinfo=UTC)
    assert utc_period(at, Granularity.hourly).end == datetime(2024, 2, 29, 14, tzinfo=UTC)
    assert utc_period(at, Granularity.monthly).end == datetime(2024, 3, 1, tzinfo=UTC)
    assert utc_period(datetime(2024, 12, 31, 23, tzinfo=UTC), Granularity.monthly).end == datetime(2025, 1, 1,
                                                                                                   tzinfo=UTC)
    assert utc_period(at, Granularity.yearly).start == datetime(2024, 1, 1, tzinfo=UTC)
