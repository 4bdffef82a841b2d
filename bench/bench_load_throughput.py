"""Loader throughput: the project's loader (``gridcarbon.warehouse.replace_window``) against the database's own
ingest limit, a ``COPY`` of pre-serialised rows.

    cd /work/main && source scripts/env.sh && .venv/bin/python bench/bench_load_throughput.py [--rows 1000000]

Every path starts from the same in-memory SMARD-shaped rows (the columns of ``raw_smard.chart_values``: filter
id, region, resolution, interval start, value with ~5 % NULL, meta_data.created, block start) and ends with the
rows committed in an equivalent table (same columns, same primary key, same load-metadata columns):

- loader: per series, what a mapped ``smard_ingest`` task does: ``with transaction(conn): replace_window(...)``
  (the caller owns the transaction): validation (scope, window, duplicate keys), metadata columns appended,
  DELETE of the window, COPY fed chunk by chunk by its serialiser (``warehouse.CopyStream``), commit;
- pre-serialised COPY (the reference): the same rows plus metadata, already in COPY text before the clock starts
  (serialised once per run, outside the timing), sent in ONE ``COPY`` (read in 1 MiB pieces) into the empty twin
  table, one commit: what the database itself can ingest, with no Python work at all;
- bare COPY: the same as the reference, but serialised inside the timing with the simplest code (``str()`` of
  each value, ``\\N`` for NULL): a second Python serialiser, shown for comparison with earlier results.

Each path runs ``--rounds`` times (tables emptied between rounds, order rotated); the best round of each is
compared. Printed: loader / pre-serialised COPY (target >= 0.5, the exit status) and loader / bare COPY. The
database ``gridcarbon_bench`` on the server given by PGHOST/PGPORT (scripts/env.sh) is created with
``gridcarbon.bootstrap`` and dropped at the end.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))

from gridcarbon.bootstrap import LOADER_ROLE, create_database, drop_database, find_server
from gridcarbon.intervals import Window
from gridcarbon.sources.smard import CHART_VALUES, DEFAULT_REGIONS, GENERATION_FILTERS
from gridcarbon.warehouse import LOAD_METADATA_COLUMNS, LoadMeta, connect, replace_window, transaction

DATABASE = "gridcarbon_bench"
TWIN = "raw_smard.chart_values_bare_copy"
START = datetime(2024, 1, 1, tzinfo=UTC)
QH = timedelta(minutes=15)
NULL = "\\N"  # COPY text format
REFERENCE = "pre-serialised COPY"


def make_rows(n_rows: int) -> tuple[list[tuple[tuple[int, str], list[tuple[Any, ...]]]], Window]:
    """``n_rows`` rows split over SMARD series (12 generation filters x 5 regions), quarter-hourly."""
    series = [(f, r) for f in GENERATION_FILTERS for r in DEFAULT_REGIONS]
    per_series = -(-n_rows // len(series))
    stamps = [START + i * QH for i in range(per_series)]
    created = datetime(2025, 1, 1, 12, 0, 0, 123000, tzinfo=UTC)
    out = []
    remaining = n_rows
    for k, (filter_id, region) in enumerate(series):
        take = min(per_series, remaining)
        remaining -= take
        rows = []
        for i in range(take):
            ts = stamps[i]
            value = None if (i + k) % 20 == 0 else round(1000.0 + ((i * 7919 + k * 104729) % 300000) / 100, 2)
            block = START + timedelta(days=7 * (i // 672))
            rows.append((filter_id, region, "quarterhour", ts, value, created, block))
        out.append(((filter_id, region), rows))
        if remaining == 0:
            break
    window = Window(START, START + per_series * QH)
    return out, window


Batches = list[tuple[tuple[int, str], list[tuple[Any, ...]]]]
COLUMNS = ", ".join(CHART_VALUES.column_names + tuple(c for c, _ in LOAD_METADATA_COLUMNS))


def serialise(batches: Batches, window: Window) -> tuple[str, int]:
    """The simplest serialisation of the rows plus load metadata to COPY text; and the number of rows."""
    loaded_at = datetime.now(UTC)
    extra = "\t".join((loaded_at.isoformat(), "bench", "bench_run", window.start.isoformat(), window.end.isoformat()))
    buf = io.StringIO()
    write = buf.write
    n = 0
    for _, rows in batches:
        for f, r, res, ts, value, created, block in rows:
            write(f"{f}\t{r}\t{res}\t{ts.isoformat()}\t{NULL if value is None else value}\t"
                  f"{created.isoformat()}\t{block.isoformat()}\t{extra}\n")
            n += 1
    return buf.getvalue(), n


def copy_text(conn: Any, text: str) -> None:
    with conn.cursor() as cur:
        cur.copy_expert(f"copy {TWIN} ({COLUMNS}) from stdin", io.StringIO(text), size=1 << 20)
    conn.commit()


def bare_copy(conn: Any, batches: Batches, window: Window) -> int:
    """For comparison: the simplest Python serialisation of the same rows (timed), one COPY, one commit."""
    text, n = serialise(batches, window)
    copy_text(conn, text)
    return n


def pre_serialised_copy(serialised: tuple[str, int]) -> Callable[[Any, Batches, Window], int]:
    """The reference, the database's own ingest limit: rows already in COPY text (serialised before the timing),
    one COPY, one commit."""

    def run(conn: Any, batches: Batches, window: Window) -> int:
        text, n = serialised
        copy_text(conn, text)
        return n

    return run


def loader(conn: Any, batches: Batches, window: Window) -> int:
    """The project's path: per series one transaction holding one replace_window, as the mapped DAG tasks do."""
    n = 0
    meta = LoadMeta(dag_id="bench", run_id="bench_run", window=window)
    for (filter_id, region), rows in batches:
        with transaction(conn):
            result = replace_window(conn, CHART_VALUES, rows,
                                    scope={"filter_id": filter_id, "region": region, "resolution": "quarterhour"},
                                    time_column="interval_start_utc", window=window, meta=meta)
        n += result.inserted
    return n


def empty_tables(conn: Any) -> None:
    with conn.cursor() as cur:
        cur.execute(f"truncate {CHART_VALUES.qualified}, {TWIN}")
    conn.commit()


def count(conn: Any, table: str) -> int:
    with conn.cursor() as cur:
        cur.execute(f"select count(*) from {table}")
        n = int(cur.fetchone()[0])
    conn.commit()
    return n


def timed(fn: Callable[[], int]) -> tuple[int, float]:
    t0 = time.perf_counter()
    n = fn()
    return n, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the gridcarbon_bench database")
    args = parser.parse_args(argv)

    host, port, _ = find_server()
    os.environ.update(PGHOST=host, PGPORT=port)
    print(f"server {host}:{port}, database {DATABASE}; generating {args.rows:,} SMARD-shaped rows ...", flush=True)
    batches, window = make_rows(args.rows)
    create_database(DATABASE)
    try:
        conn = connect(f"postgresql://{LOADER_ROLE}@{host}:{port}/{DATABASE}")
        with conn.cursor() as cur:
            cur.execute(f"create table {TWIN} (like {CHART_VALUES.qualified} including all)")
        conn.commit()
        serialised = serialise(batches, window)  # the reference's rows, in COPY text before any clock starts
        paths: list[tuple[str, Callable[[Any, Batches, Window], int], str]] = [
            (REFERENCE, pre_serialised_copy(serialised), TWIN), ("bare COPY", bare_copy, TWIN),
            ("loader", loader, CHART_VALUES.qualified)]
        best: dict[str, float] = {}
        for rnd in range(1, args.rounds + 1):
            shift = (rnd - 1) % len(paths)
            for name, fn, table in paths[shift:] + paths[:shift]:
                empty_tables(conn)
                n, seconds = timed(lambda fn=fn: fn(conn, batches, window))
                assert n == args.rows == count(conn, table), (name, n)
                rate = n / seconds
                best[name] = max(best.get(name, 0.0), rate)
                print(f"  round {rnd}: {name:<20} {n:>10,} rows in {seconds:6.2f} s = {rate:>10,.0f} rows/s",
                      flush=True)
        conn.close()
        for name in (REFERENCE, "bare COPY", "loader"):
            print(f"best {name + ':':<21} {best[name]:>10,.0f} rows/s")
        ratio = best["loader"] / best[REFERENCE]
        print(f"ratio loader / {REFERENCE} = {ratio:.2f} (the database's own ingest limit; target >= 0.50: "
              f"{'met' if ratio >= 0.5 else 'MISSED'})")
        print(f"ratio loader / bare COPY = {best['loader'] / best['bare COPY']:.2f} (a second Python serialiser)")
        return 0 if ratio >= 0.5 else 1
    finally:
        if not args.keep:
            drop_database(DATABASE)


if __name__ == "__main__":
    raise SystemExit(main())
