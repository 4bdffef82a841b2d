"""Raw tables as fixed in docs/CONTRACTS.md, for the dbt foundation tests.

The ingestion modules create their tables themselves (``RawTable`` in ``gridcarbon.sources``); this module
only fills the gaps with ``create table if not exists`` so the dbt tests do not depend on every source module
being present. No tests here.
"""

from __future__ import annotations

from typing import Any

LOAD_METADATA = """,
    _loaded_at timestamptz not null default now(),
    _dag_id text,
    _run_id text,
    _window_start timestamptz,
    _window_end timestamptz"""

RAW_TABLES: dict[str, str] = {
    "raw_smard.chart_values": """
    filter_id integer not null, region text not null, resolution text not null,
    interval_start_utc timestamptz not null, value numeric, meta_created_utc timestamptz,
    block_start_utc timestamptz""",
    "raw_smard.series_status": """
    filter_id integer not null, region text not null, resolution text not null, status text not null,
    checked_at_utc timestamptz not null""",
    "raw_tibber.homes": """
    home_id text not null, time_zone text, currency text, app_nickname text, address1 text,
    postal_code text, city text, country text""",
    "raw_tibber.consumption": """
    home_id text not null, resolution text not null, interval_start_utc timestamptz not null,
    interval_end_utc timestamptz not null, consumption_kwh numeric, consumption_unit text, cost numeric,
    unit_price numeric, unit_price_vat numeric, currency text""",
    "raw_tibber.prices": """
    home_id text not null, resolution text not null, starts_at_utc timestamptz not null, total numeric,
    energy numeric, tax numeric, currency text, level text""",
    "raw_tibber.live_measurements": """
    home_id text not null, measured_at_utc timestamptz not null, power_w numeric, power_production_w numeric,
    accumulated_consumption_kwh numeric, accumulated_consumption_last_hour_kwh numeric""",
    "raw_netztransparenz.redispatch_measures": """
    measure_id text not null, start_utc timestamptz, end_utc timestamptz, zone_from text, zone_to text,
    reason text, direction text, direction_raw text, mean_mw numeric, max_mw numeric, total_mwh numeric,
    instructing_tso text, requesting_tso text, affected_plant text, primary_energy_class text""",
    "raw_reference.power_plants": """
    plant_key text not null, name text, block text, energy_source text, technology text,
    capacity_net_mw numeric, state text, status text""",
    "raw_eia.fuel_type_data": """
    respondent text not null, fueltype text not null, interval_start_utc timestamptz not null,
    value_mwh numeric, respondent_name text, type_name text, value_units text""",
    "raw_eia.region_data": """
    respondent text not null, type text not null, interval_start_utc timestamptz not null,
    value_mwh numeric, respondent_name text, type_name text, value_units text""",
    "raw_eia.interchange_data": """
    from_ba text not null, to_ba text not null, interval_start_utc timestamptz not null,
    value_mwh numeric, from_ba_name text, to_ba_name text, value_units text""",
    "raw_iso.generation_by_fuel": """
    iso text not null, source_label text not null, interval_start_utc timestamptz not null,
    interval_minutes int not null, generation_mw numeric""",
}

PRIMARY_KEYS: dict[str, str] = {
    "raw_smard.chart_values": "filter_id, region, resolution, interval_start_utc",
    "raw_smard.series_status": "filter_id, region, resolution",
    "raw_tibber.homes": "home_id",
    "raw_tibber.consumption": "home_id, resolution, interval_start_utc",
    "raw_tibber.prices": "home_id, resolution, starts_at_utc",
    "raw_tibber.live_measurements": "home_id, measured_at_utc",
    "raw_netztransparenz.redispatch_measures": "measure_id",
    "raw_reference.power_plants": "plant_key",
    "raw_eia.fuel_type_data": "respondent, fueltype, interval_start_utc",
    "raw_eia.region_data": "respondent, type, interval_start_utc",
    "raw_eia.interchange_data": "from_ba, to_ba, interval_start_utc",
    "raw_iso.generation_by_fuel": "iso, source_label, interval_start_utc",
}


def ensure_raw_tables(
    admin_conn: Any, owner: str = "gridcarbon_loader", reader: str = "gridcarbon_transformer"
) -> None:
    """Create every contract raw table that does not exist yet (as a superuser), owned by the loader."""
    with admin_conn.cursor() as cur:
        for table, columns in RAW_TABLES.items():
            schema = table.split(".")[0]
            cur.execute(f"create schema if not exists {schema}")
            cur.execute("select to_regclass(%s)", (table,))
            if cur.fetchone()[0] is not None:
                continue
            cur.execute(
                f"create table {table} ({columns}{LOAD_METADATA},\n    primary key ({PRIMARY_KEYS[table]}))"
            )
            cur.execute(f"alter table {table} owner to {owner}")
            cur.execute(f"grant usage on schema {schema} to {reader}")
            cur.execute(f"grant select on {table} to {reader}")


if __name__ == "__main__":  # create the missing raw tables in a dev database: python -m ... DBNAME
    import os
    import sys

    import psycopg2

    conn = psycopg2.connect(
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=os.environ.get("PGPORT", "5432"),
        user=os.environ.get("PGUSER", "postgres"),
        dbname=sys.argv[1],
    )
    conn.autocommit = True
    ensure_raw_tables(conn)
    print(f"raw tables ensured in {sys.argv[1]}")
