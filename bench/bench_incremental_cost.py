"""T2 incremental cost: the dbt run after one new hour lands, with a long history / with one week of history.

Issue 13, T2: the run after one new hour lands, with 1 year of history / with 1 week of history; target <= 1.5.
Work must be O(new data): every model whose size grows with history is incremental with a look-back
(dbt_project/macros/attribution/incremental_replace.sql), so the long history should cost about what the week costs.

For each history length a database of its own (``gridcarbon_bench_t2_<days>d``, created with ``gridcarbon.bootstrap``,
dropped at the end unless ``--keep``) gets GENERATED history, written straight into the raw tables with COPY (not
through the replay server and the DAGs: a year through the loaders would take hours here): SMARD quarter-hours of
the 12 generation fuels and the load (410) for DE and the four control areas, hourly DE-LU prices, Tibber
consumption of 20 households (14 quarter-hourly, 6 hourly), ~47 redispatch measures a day. Then:

1. ``dbt build`` without tests (seeds, snapshot, every model: the history is built; not timed for the ratio);
2. one new hour lands the way the hourly DAGs land it (SMARD: the new hour plus the 48 hours its look-back re-reads,
   with a new ``_loaded_at``; Tibber: the new hour) and ``dbt build`` runs (warm-up: partial parse, caches);
3. ``--rounds`` times, alternating between the two databases: the next hour lands and ``dbt build`` runs, timed
   (models and tests, as transform_warehouse runs them); the best run of each history counts. The models alone and
   the tests alone (summed over threads, from run_results.json) and the nodes that grew most are printed too.

Prints ``long / short``; exit status 1 if it is above the target.

    source scripts/env.sh && .venv/bin/python bench/bench_incremental_cost.py [--long-days 365] [--short-days 7]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "include")]
TARGET_RATIO = 1.5
HISTORY_END = datetime(2025, 9, 1, tzinfo=UTC)  # hourly day-ahead prices (the 15-minute MTU starts 2025-10-01)
QUARTER = timedelta(minutes=15)
HOUR = timedelta(hours=1)
SMARD_LOOKBACK = timedelta(hours=48)  # smard_ingest re-reads this much before its window (SMARD_LOOKBACK_HOURS)
REGIONS = {"DE": 1.0, "50Hertz": 0.33, "Amprion": 0.31, "TenneT": 0.22, "TransnetBW": 0.14}
LOAD_SHARES = {"DE": 1.0, "50Hertz": 0.21, "Amprion": 0.34, "TenneT": 0.27, "TransnetBW": 0.18}
FUELS = {1223: 2300, 1224: 0, 1225: 700, 1226: 450, 1227: 80, 1228: 40, 4066: 1050, 4067: 2600, 4068: 1500,
         4069: 900, 4070: 150, 4071: 1100}  # filter id -> mean MWh per quarter-hour in DE
HOUSEHOLDS = 20
QUARTER_HOURLY_HOUSEHOLDS = 14
PLANTS = [("b1", "GKW Musterstadt", "Block 3", "Erdgas"), ("b2", "Kraftwerk Nordhafen", "A", "Steinkohle"),
          ("b3", "HKW Süd", "2", "Erdgas"), ("b4", "Braunkohlewerk Ost", "R", "Braunkohle")]
AFFECTED = ["GKW Musterstadt Block 3", "Kraftwerk Nordhafen A", "HKW Süd 2", "Braunkohlewerk Ost R", "EE Nord",
            "Börse"]
# the generated homes are not in seeds/household_settings.csv; the data tests scoped as transform_warehouse's
# asset-triggered runs scope them (dbt_project/macros/data_test_scope.sql), unless --data-test-scope all
VARS = "{{default_control_area: TransnetBW, data_test_scope: {scope}}}"


def home_id(n: int) -> str:
    return f"bench-home-{n:02d}"


def loaded_at(interval_start: datetime) -> datetime:
    """When a generated interval was loaded: 40 minutes after its hour ended (the hourly DAGs)."""
    return interval_start.replace(minute=0) + HOUR + timedelta(minutes=40)


def iso(t: datetime) -> str:
    return t.isoformat()


def smard_rows(start: datetime, end: datetime, loaded: datetime | None = None) -> io.StringIO:
    buf = io.StringIO()
    t = start
    while t < end:
        i = (t - HISTORY_END) / QUARTER
        hour = t.hour + t.minute / 60
        day = math.sin(i / 96 * 2 * math.pi)
        stamp, when = iso(t), iso(loaded or loaded_at(t))
        values = {}
        for filter_id, mean in FUELS.items():
            if filter_id == 4068:
                value = max(0.0, mean * 2.5 * math.sin((hour - 5) / 14 * math.pi)) if 5 < hour < 19 else 0.0
            elif filter_id == 4067:
                value = mean * (1 + 0.7 * math.sin(i / 211)) + 300 * day
            else:
                value = mean * (1 + 0.1 * math.sin(i / 37 + filter_id))
            values[filter_id] = value
        total = sum(values.values())
        for region, share in REGIONS.items():
            for filter_id, value in values.items():
                buf.write(f"{filter_id},{region},quarterhour,{stamp},{value * share:.2f},{when},{stamp},{when}\n")
            buf.write(f"410,{region},quarterhour,{stamp},{total * 1.03 * LOAD_SHARES[region]:.2f},{when},{stamp},"
                      f"{when}\n")
        t += QUARTER
    t = start.replace(minute=0)
    while t < end:
        surplus = 90 if t.hour in (12, 13) and t.day % 6 == 0 else 0  # some negative prices (renewable surplus)
        price = 70 + 40 * math.sin((t.hour - 8) / 24 * 2 * math.pi) - surplus
        buf.write(f"4169,DE-LU,hour,{iso(t)},{price:.2f},{iso(loaded or loaded_at(t))},{iso(t)},"
                  f"{iso(loaded or loaded_at(t))}\n")
        t += HOUR
    buf.seek(0)
    return buf


def tibber_rows(start: datetime, end: datetime, loaded: datetime | None = None) -> io.StringIO:
    buf = io.StringIO()
    for n in range(HOUSEHOLDS):
        quarter_hourly = n < QUARTER_HOURLY_HOUSEHOLDS
        step, resolution = (QUARTER, "QUARTER_HOURLY") if quarter_hourly else (HOUR, "HOURLY")
        t = start
        while t < end:
            i = (t - HISTORY_END) / QUARTER
            kw = 0.35 + 0.25 * (1 + math.sin(i / 7 + n)) + (11 if n % 4 == 0 and 18 <= t.hour < 20 else 0)
            buf.write(f"{home_id(n)},{resolution},{iso(t)},{iso(t + step)},{kw * (step / HOUR):.4f},kWh,0,EUR,"
                      f"{iso(loaded or loaded_at(t))}\n")
            t += step
    buf.seek(0)
    return buf


def redispatch_rows(start: datetime, end: datetime) -> io.StringIO:
    buf = io.StringIO()
    areas = ["50Hertz", "Amprion", "TenneT DE", "TransnetBW"]
    day = start
    n = 0
    while day < end:
        for k in range(47):
            begin = day + QUARTER * ((k * 37) % 96)
            finish = begin + QUARTER * (4 + (k * 5) % 12)
            if finish > end:
                continue
            plant = AFFECTED[k % len(AFFECTED)]
            klass = "Sonstiges" if plant == "Börse" else ("Erneuerbar" if plant == "EE Nord" else "Konventionell")
            direction = "up" if k % 2 else "down"
            buf.write(f"m{n},{iso(begin)},{iso(finish)},Strombedingter Redispatch,{direction},{50 + k * 3},"
                      f"{areas[k % 4]},{areas[k % 4]},{plant},{klass},{iso(loaded_at(finish))}\n")
            n += 1
        day += timedelta(days=1)
    buf.seek(0)
    return buf


def copy(conn, table: str, columns: str, rows: io.StringIO) -> None:  # type: ignore[no-untyped-def]
    with conn.cursor() as cur:
        cur.copy_expert(f"copy {table} ({columns}) from stdin with (format csv)", rows)


SMARD_COLUMNS = ("filter_id, region, resolution, interval_start_utc, value, meta_created_utc, block_start_utc, "
                 "_loaded_at")
TIBBER_COLUMNS = ("home_id, resolution, interval_start_utc, interval_end_utc, consumption_kwh, consumption_unit, cost, "
                  "currency, _loaded_at")


def generate_history(conn, days: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    start = HISTORY_END - timedelta(days=days)
    counts = {}
    with conn.cursor() as cur:
        # one chunk per 30 days keeps the COPY buffers small
        chunk = start
        while chunk < HISTORY_END:
            chunk_end = min(chunk + timedelta(days=30), HISTORY_END)
            copy(conn, "raw_smard.chart_values", SMARD_COLUMNS, smard_rows(chunk, chunk_end))
            copy(conn, "raw_tibber.consumption", TIBBER_COLUMNS, tibber_rows(chunk, chunk_end))
            chunk = chunk_end
        copy(conn, "raw_netztransparenz.redispatch_measures",
             "measure_id, start_utc, end_utc, reason, direction, total_mwh, instructing_tso, requesting_tso, "
             "affected_plant, primary_energy_class, _loaded_at", redispatch_rows(start, HISTORY_END))
        first = iso(loaded_at(start))
        for n in range(HOUSEHOLDS):
            cur.execute("insert into raw_tibber.homes (home_id, time_zone, currency, country, _loaded_at) values "
                        "(%s, 'Europe/Berlin', 'EUR', 'DE', %s)", (home_id(n), first))
        for plant in PLANTS:
            cur.execute("insert into raw_reference.power_plants (plant_key, name, block, energy_source, _loaded_at) "
                        "values (%s, %s, %s, %s, %s)", (*plant, first))
        for table in ("raw_smard.chart_values", "raw_tibber.consumption", "raw_netztransparenz.redispatch_measures"):
            cur.execute(f"analyze {table}")
            cur.execute(f"select count(*) from {table}")
            counts[table] = cur.fetchone()[0]
    conn.commit()
    return counts


def land_hour(conn, hour: datetime) -> None:  # type: ignore[no-untyped-def]
    """One new hour the way the hourly DAGs land it: SMARD replaces [hour - 48 h, hour + 1 h) with a new load time,
    Tibber adds the hour."""
    loaded = loaded_at(hour)
    with conn.cursor() as cur:
        cur.execute("delete from raw_smard.chart_values where interval_start_utc >= %s and interval_start_utc < %s",
                    (hour - SMARD_LOOKBACK, hour + HOUR))
        copy(conn, "raw_smard.chart_values", SMARD_COLUMNS, smard_rows(hour - SMARD_LOOKBACK, hour + HOUR, loaded))
        copy(conn, "raw_tibber.consumption", TIBBER_COLUMNS, tibber_rows(hour, hour + HOUR, loaded))
    conn.commit()


def dbt(args: list[str], env: dict[str, str], target: Path, scope: str = "recent") -> tuple[float, dict[str, object]]:
    from gridcarbon import dbt_runner

    cmd = [str(dbt_runner.dbt_executable()), *args, "--vars", VARS.format(scope=scope),
           "--project-dir", str(dbt_runner.project_dir()),
           "--profiles-dir", str(dbt_runner.profiles_yml().parent), "--target-path", str(target),
           "--log-path", str(target)]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=dbt_runner.project_dir())
    seconds = time.monotonic() - t0
    if proc.returncode != 0:
        raise SystemExit(f"dbt {' '.join(args)} failed:\n{proc.stdout[-6000:]}")
    results = json.loads((target / "run_results.json").read_text())["results"]
    by_type: dict[str, object] = {}
    for result in results:
        kind = result["unique_id"].split(".", 1)[0]
        by_type[kind] = float(by_type.get(kind, 0.0)) + result["execution_time"]  # type: ignore[arg-type]
    slowest = sorted(results, key=lambda r: -r["execution_time"])[:5]
    by_type["slowest"] = ", ".join(f"{r['unique_id'].split('.')[2]} {r['execution_time']:.1f}s" for r in slowest)
    by_type["nodes"] = {".".join(r["unique_id"].split(".")[2:4]) if r["unique_id"].startswith("unit_test")
                        else r["unique_id"].split(".")[2]: r["execution_time"] for r in results}
    manifest = json.loads((target / "manifest.json").read_text())["nodes"]
    by_type["incremental"] = sum(r["execution_time"] for r in results if r["unique_id"] in manifest
                                 and manifest[r["unique_id"]]["config"].get("materialized") == "incremental")
    return seconds, by_type


class History:
    """One bench database with ``days`` of generated history, built once; ``run_after_new_hour`` lands the next hour
    and times the dbt build after it."""

    def __init__(self, days: int, args: argparse.Namespace, host: str, port: str, user: str, tmp: Path) -> None:
        import psycopg2

        from gridcarbon.bootstrap import create_database, drop_database

        self.days, self.args, self.name = days, args, f"gridcarbon_bench_t2_{days}d"
        self.env = {**os.environ, "DBT_HOST": host, "DBT_PORT": port, "DBT_DATABASE": self.name,
                    "DBT_USER": "gridcarbon_transformer", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        self.target = tmp / f"target_{days}"
        reuse = args.reuse and _exists(self.name, host, port, user)
        if not reuse:
            drop_database(self.name)
            create_database(self.name)
        self.conn = psycopg2.connect(host=host, port=port, user=user, dbname=self.name)
        if not reuse:
            t0 = time.monotonic()
            counts = generate_history(self.conn, days)
            print(f"{days:4d} days: generated raw rows {counts} in {time.monotonic() - t0:.0f} s", flush=True)
            seconds, _ = dbt(["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
                              "--threads", str(args.threads)], self.env, self.target)
            print(f"{days:4d} days: history built (dbt build without tests) in {seconds:.0f} s", flush=True)
        with self.conn.cursor() as cur:
            cur.execute("select date_trunc('hour', max(interval_start_utc)) from raw_tibber.consumption")
            self.newest = cur.fetchone()[0]

    def run_after_new_hour(self, label: str) -> dict[str, object]:
        self.newest += HOUR
        land_hour(self.conn, self.newest)
        seconds, by_type = dbt(["build", "--threads", str(self.args.threads)], self.env, self.target,
                               self.args.data_test_scope)
        print(f"{self.days:4d} days: one new hour ({self.newest:%Y-%m-%d %H:%M}Z), dbt build ({label}): "
              f"{seconds:6.1f} s (models {by_type.get('model', 0):.1f} s, tests {by_type.get('test', 0):.1f} s summed "
              f"over threads; slowest: {by_type['slowest']})", flush=True)
        return {"seconds": seconds, "models": by_type.get("model", 0.0), "tests": by_type.get("test", 0.0),
                "incremental": by_type["incremental"], "nodes": by_type["nodes"]}

    def close(self) -> None:
        from gridcarbon.bootstrap import drop_database

        self.conn.close()
        if not self.args.keep:
            drop_database(self.name)


def _exists(name: str, host: str, port: str, user: str) -> bool:
    import psycopg2

    with psycopg2.connect(host=host, port=port, user=user, dbname="postgres") as conn, conn.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = %s", (name,))
        return cur.fetchone() is not None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long-days", type=int, default=365)
    parser.add_argument("--short-days", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data-test-scope", choices=("recent", "all"), default="recent",
                        help="dbt var data_test_scope of the timed builds: 'recent' as transform_warehouse's "
                             "asset-triggered runs (default), 'all' as its first run of a day")
    parser.add_argument("--keep", action="store_true", help="keep the two bench databases")
    parser.add_argument("--reuse", action="store_true", help="reuse kept bench databases (history already built)")
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds per history (alternating; best counts)")
    args = parser.parse_args()

    from gridcarbon.bootstrap import find_server

    host, port, user = find_server()
    with tempfile.TemporaryDirectory(prefix="bench_t2_") as tmp:
        histories = [History(days, args, host, port, user, Path(tmp)) for days in (args.short_days, args.long_days)]
        try:
            for history in histories:
                history.run_after_new_hour("warm-up")
            # alternating rounds, best of each: a busy machine slows both sides alike
            best: dict[int, dict[str, object]] = {}
            for round_number in range(args.rounds):
                for history in histories:
                    run = history.run_after_new_hour(f"timed {round_number + 1}/{args.rounds}")
                    if history.days not in best or float(run["seconds"]) < float(best[history.days]["seconds"]):  # type: ignore[arg-type]
                        best[history.days] = run
        finally:
            for history in histories:
                history.close()
    short, long = best[args.short_days], best[args.long_days]
    ratio = float(long["seconds"]) / float(short["seconds"])  # type: ignore[arg-type]
    model_ratio = float(long["models"]) / float(short["models"])  # type: ignore[arg-type]
    incremental_ratio = float(long["incremental"]) / float(short["incremental"])  # type: ignore[arg-type]
    test_ratio = float(long["tests"]) / float(short["tests"])  # type: ignore[arg-type]
    short_nodes, long_nodes = short["nodes"], long["nodes"]
    grown = sorted(long_nodes, key=lambda n: short_nodes.get(n, 0.0) - long_nodes[n])[:12]  # type: ignore[union-attr]
    print(f"nodes that grew most with the history (seconds, {args.short_days} -> {args.long_days} days):")
    for node in grown:
        print(f"  {node:60s} {short_nodes.get(node, 0.0):6.2f} -> {long_nodes[node]:6.2f}")  # type: ignore[union-attr]
    print(f"T2 incremental cost: dbt build after one new hour, {args.long_days} days / {args.short_days} days of "
          f"history = {long['seconds']:.1f} s / {short['seconds']:.1f} s = {ratio:.2f} (target <= {TARGET_RATIO}); "
          f"models alone {model_ratio:.2f} ({long['models']:.1f} s / {short['models']:.1f} s summed over threads), "
          f"the incremental models alone {incremental_ratio:.2f} ({long['incremental']:.1f} s / "
          f"{short['incremental']:.1f} s), tests alone {test_ratio:.2f} ({long['tests']:.1f} s / "
          f"{short['tests']:.1f} s)")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
