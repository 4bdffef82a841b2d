"""Measure how much redispatch energy the dbt models map to a fuel, on the real 2024 netztransparenz file.

What it does (issue 14, "Redispatch fuel mapping"):

1. creates a throwaway warehouse database (``gridcarbon.bootstrap.create_database``: roles, schemas, raw tables);
2. loads ``netztransparenz/redispatch_2024.csv`` (17,312 measures) and the OPSD plant list
   ``netztransparenz/conventional_power_plants_DE.csv`` from the fixtures folder (``GRIDCARBON_FIXTURES_DIR``,
   default ``../shared/fixtures``) through the project's own parser and loader
   (``gridcarbon.sources.netztransparenz``);
3. runs ``dbt build`` on the redispatch mapping and everything upstream of it (seeds, staging, tests included);
4. reads the figures from the dbt models ``int_redispatch_measures_mapped`` and ``int_redispatch_plants_matched``
   (nothing is re-implemented here) and prints them; drops the database unless ``--keep``.

Figures (MWh = GESAMTE_ARBEIT_MWH, ``total_mwh``):

- *plant MWh*: every measure except market/foreign ones (Börse countertrading, class Sonstiges or empty:
  DOMAIN §8.3 step 3 excludes them from the area balances, they have no fuel by definition);
- *before*: plant MWh whose published name matches the plant list exactly (case-insensitive name or name +
  block, one fuel only), the rule before issue 14 (column ``exact_name_fuel``);
- *exact or normalised name*: what the plant list gives without the seed (``normalised_name_fuel`` as well);
- *after*: plant MWh with a fuel from the plant list (exact or normalised name) or from the reviewed seed
  ``redispatch_plant_fuel_map`` (``not is_fuel_fallback``);
- the largest unmapped names: plant MWh still on the class fallback (Konventionell -> unknown, Erneuerbar ->
  wind_onshore, flag REDISPATCH_FUEL_FALLBACK).

Usage::

    source scripts/env.sh
    .venv/bin/python scripts/measure_redispatch_mapping.py            # throwaway database, ~1-2 minutes
    .venv/bin/python scripts/measure_redispatch_mapping.py --keep     # keep it (name printed) to look around
    .venv/bin/python scripts/measure_redispatch_mapping.py --database NAME --no-load   # re-run dbt only
    .venv/bin/python scripts/measure_redispatch_mapping.py --json     # machine-readable
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
MEASURES_FIXTURE = "netztransparenz/redispatch_2024.csv"
PLANTS_FIXTURE = "netztransparenz/conventional_power_plants_DE.csv"
# the mapping model, everything it reads, and the seed the fuel tests refer to
DBT_SELECTION = ["+int_redispatch_measures_mapped", "canonical_fuels"]
TOP_UNMAPPED = 15

COVERAGE_SQL = """
select
    count(*) as measures,
    coalesce(sum(m.total_mwh), 0) as total_mwh,
    coalesce(sum(m.total_mwh) filter (where m.is_market_or_foreign), 0) as market_or_foreign_mwh,
    coalesce(sum(m.total_mwh) filter (where not m.is_market_or_foreign), 0) as plant_mwh,
    coalesce(sum(m.total_mwh) filter (where not m.is_market_or_foreign and p.exact_name_fuel is not null), 0)
        as before_mwh,
    coalesce(sum(m.total_mwh) filter (
        where not m.is_market_or_foreign
        and coalesce(p.exact_name_fuel, p.normalised_name_fuel) is not null
    ), 0) as normalised_mwh,
    coalesce(sum(m.total_mwh) filter (where not m.is_market_or_foreign and not m.is_fuel_fallback), 0)
        as after_mwh
from intermediate.int_redispatch_measures_mapped as m
left join intermediate.int_redispatch_plants_matched as p on m.affected_plant = p.affected_plant
"""

BY_SOURCE_SQL = """
select
    case when is_market_or_foreign then 'market_or_foreign' else coalesce(fuel_source, 'none') end as fuel_source,
    coalesce(plant_category, '') as plant_category,
    count(*) as measures,
    sum(total_mwh) as mwh
from intermediate.int_redispatch_measures_mapped
group by 1, 2
order by 4 desc
"""

UNMAPPED_SQL = """
select
    affected_plant,
    string_agg(distinct coalesce(primary_energy_class, ''), ', ') as primary_energy_class,
    string_agg(distinct control_area, ', ') as control_area,
    string_agg(distinct fuel, ', ') as fallback_fuel,
    count(*) as measures,
    sum(total_mwh) as mwh
from intermediate.int_redispatch_measures_mapped
where not is_market_or_foreign and is_fuel_fallback
group by affected_plant
order by mwh desc, affected_plant
limit %s
"""


@dataclass(frozen=True)
class Coverage:
    measures: int
    total_mwh: Decimal
    market_or_foreign_mwh: Decimal
    plant_mwh: Decimal
    before_mwh: Decimal
    normalised_mwh: Decimal
    after_mwh: Decimal

    @property
    def before_share(self) -> float:
        return float(self.before_mwh / self.plant_mwh) if self.plant_mwh else 0.0

    @property
    def normalised_share(self) -> float:
        return float(self.normalised_mwh / self.plant_mwh) if self.plant_mwh else 0.0

    @property
    def after_share(self) -> float:
        return float(self.after_mwh / self.plant_mwh) if self.plant_mwh else 0.0

    @property
    def settled_share_of_total(self) -> float:
        """Share of all redispatch MWh with a fuel or an explicit market/foreign category."""
        settled = self.after_mwh + self.market_or_foreign_mwh
        return float(settled / self.total_mwh) if self.total_mwh else 0.0


def coverage(conn: Any) -> Coverage:
    """Before/after figures from the dbt models in the database of ``conn``."""
    with conn.cursor() as cur:
        cur.execute(COVERAGE_SQL)
        return Coverage(*cur.fetchone())


def by_fuel_source(conn: Any) -> list[tuple[str, str, int, Decimal]]:
    with conn.cursor() as cur:
        cur.execute(BY_SOURCE_SQL)
        return cur.fetchall()


def largest_unmapped(conn: Any, limit: int = TOP_UNMAPPED) -> list[tuple[str, str, str, str, int, Decimal]]:
    """(name, class, control area, fallback fuel, measures, MWh) of the largest plant names without a mapped fuel."""
    with conn.cursor() as cur:
        cur.execute(UNMAPPED_SQL, (limit,))
        return cur.fetchall()


def load_fixture(loader_dsn: str, measures_csv: Path, plants_csv: Path) -> int:
    """The redispatch file and the plant list into the raw tables, through the project's parser and loader (as
    the loader role, like the Airflow task). Returns the number of measures."""
    from gridcarbon.intervals import Window
    from gridcarbon.sources import netztransparenz as nt
    from gridcarbon.warehouse import LoadMeta, connect, transaction

    measures = nt.parse_redispatch_csv(measures_csv.read_bytes())
    plants = nt.read_power_plants(str(plants_csv))
    start = min(m.start_utc for m in measures)
    end = max(m.start_utc for m in measures)
    window = Window(datetime(start.year, start.month, start.day, tzinfo=UTC), datetime(end.year + 1, 1, 1, tzinfo=UTC))
    conn = connect(loader_dsn)
    try:
        meta = LoadMeta(dag_id="measure_redispatch_mapping", run_id="manual", window=window)
        with transaction(conn):
            nt.load(conn, measures, window, meta)
            nt.load_power_plants(conn, plants, None, meta)
    finally:
        conn.close()
    return len(measures)


def run_dbt(database: str, work: Path, selection: list[str] | None = None) -> str:
    """``dbt build`` of the mapping and its parents (tests included) against ``database``."""
    from gridcarbon import dbt_runner

    # --full-refresh: a reused database may hold a seed table of an older column layout
    args = ["build", "--full-refresh", "--select", *(selection or DBT_SELECTION), "--indirect-selection", "cautious",
            "--target-path", str(work / "target"), "--log-path", str(work)]
    return dbt_runner.run_dbt(args, env=dbt_runner.transformer_env(database), timeout=1200).stdout


def _mwh(value: Decimal) -> str:
    return f"{value:,.2f}"


def report(conn: Any, top: int = TOP_UNMAPPED) -> dict[str, Any]:
    figures = coverage(conn)
    return {
        "coverage": {**{k: str(v) for k, v in asdict(figures).items()},
                     "before_share": figures.before_share, "normalised_share": figures.normalised_share,
                     "after_share": figures.after_share,
                     "settled_share_of_total": figures.settled_share_of_total},
        "by_fuel_source": [{"fuel_source": s, "plant_category": c, "measures": n, "mwh": str(mwh)}
                           for s, c, n, mwh in by_fuel_source(conn)],
        "largest_unmapped": [{"affected_plant": name, "primary_energy_class": cls, "control_area": area,
                              "fallback_fuel": fuel, "measures": n, "mwh": str(mwh)}
                             for name, cls, area, fuel, n, mwh in largest_unmapped(conn, top)],
    }


def print_report(conn: Any, top: int = TOP_UNMAPPED) -> None:
    c = coverage(conn)
    print(f"measures: {c.measures:,}; redispatch energy {_mwh(c.total_mwh)} MWh, of which "
          f"{_mwh(c.market_or_foreign_mwh)} MWh market/foreign (Börse, class Sonstiges/empty: no fuel by "
          f"definition, DOMAIN §8.3) and {_mwh(c.plant_mwh)} MWh plant measures")
    print(f"before (exact plant name only):      {_mwh(c.before_mwh):>16} MWh = {c.before_share:7.2%} of plant MWh")
    print(f"exact or normalised name (no seed):  {_mwh(c.normalised_mwh):>16} MWh = {c.normalised_share:7.2%} "
          "of plant MWh")
    print(f"after  (normalised names + seed):    {_mwh(c.after_mwh):>16} MWh = {c.after_share:7.2%} of plant MWh")
    print(f"fuel or explicit market category:    {c.settled_share_of_total:7.2%} of all redispatch MWh")
    print("\nby fuel source:")
    for source, category, n, mwh in by_fuel_source(conn):
        label = f"{source}{' / ' + category if category else ''}"
        print(f"  {label:<40} {n:>6} measures {_mwh(mwh):>16} MWh = {float(mwh / c.total_mwh):7.2%} of all")
    print(f"\n{top} largest unmapped plant names (class fallback, flag REDISPATCH_FUEL_FALLBACK):")
    for name, cls, area, fuel, n, mwh in largest_unmapped(conn, top):
        print(f"  {_mwh(mwh):>14} MWh {float(mwh / c.plant_mwh):6.2%} {n:>5}x  {name}  [{cls}; {area}; -> {fuel}]")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="use this database (created if missing) instead of a throwaway one")
    parser.add_argument("--keep", action="store_true", help="do not drop the database afterwards")
    parser.add_argument("--no-load", action="store_true", help="the raw tables are loaded already: run dbt only")
    parser.add_argument("--no-dbt", action="store_true", help="only read the figures (models built already)")
    parser.add_argument("--top", type=int, default=TOP_UNMAPPED, help="how many unmapped names to list")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args(argv)

    import psycopg2

    from gridcarbon.bootstrap import create_database, drop_database, find_server
    from gridcarbon.settings import fixtures_dir

    fixtures = fixtures_dir()
    missing = [p for p in (MEASURES_FIXTURE, PLANTS_FIXTURE) if not (fixtures / p).exists()]
    if missing and not args.no_load:
        print(f"fixtures missing under {fixtures}: {missing} (set GRIDCARBON_FIXTURES_DIR)", file=sys.stderr)
        return 2
    host, port, user = find_server()
    os.environ.update(PGHOST=host, PGPORT=port, PGUSER=user)
    database = args.database or f"gridcarbon_rdmap_{os.getpid()}"
    drop = not args.keep and not args.database
    create_database(database)
    try:
        if not args.no_load:
            loaded = load_fixture(f"postgresql://gridcarbon_loader@{host}:{port}/{database}",
                                  fixtures / MEASURES_FIXTURE, fixtures / PLANTS_FIXTURE)
            print(f"# loaded {loaded:,} measures into {database}", file=sys.stderr)
        if not args.no_dbt:
            with tempfile.TemporaryDirectory(prefix="rdmap-dbt-") as work:
                run_dbt(database, Path(work))
        conn = psycopg2.connect(host=host, port=port, user=user, dbname=database)
        try:
            if args.json:
                print(json.dumps(report(conn, args.top), indent=2, ensure_ascii=False))
            else:
                print_report(conn, args.top)
        finally:
            conn.close()
    finally:
        if drop:
            drop_database(database)
        else:
            print(f"# database {database} kept", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
