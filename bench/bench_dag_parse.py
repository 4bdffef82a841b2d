"""DAG parse time: what each file in dags/ costs the DAG processor, against a trivial DAG in the same run.

Each file is executed with ``runpy`` in a fresh interpreter that has already imported ``airflow.sdk`` (the
fixed cost every parse pays), so the number is the DAG file's own cost: its imports, and for
``transform_warehouse`` Cosmos rendering the dbt graph from the manifest. The best of ``--rounds`` runs per
file is kept. ``transform_warehouse`` is also measured rendering from dbt's full ``manifest.json`` instead of
the slim copy ``make manifest`` writes, to show what the slim copy saves.

Target: every DAG file parses in under 1 s (Airflow parses every file again every 30 s by default, and a
slow file delays every DAG's scheduling). Exit status 1 when a file misses it.

    source scripts/env.sh && .venv/bin/python bench/bench_dag_parse.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DAGS = REPO / "dags"
BUDGET_SECONDS = 1.0
TRIVIAL_DAG = '''
from datetime import datetime, UTC
from airflow.sdk import DAG, task

with DAG(dag_id="trivial", schedule="@daily", start_date=datetime(2025, 1, 1, tzinfo=UTC)) as dag:
    @task
    def noop() -> None:
        pass

    noop()
'''
MEASURE = textwrap.dedent("""
    import runpy, sys, time
    import airflow.sdk
    t = time.perf_counter()
    runpy.run_path(sys.argv[1])
    print(time.perf_counter() - t)
""")


def parse_seconds(path: Path, rounds: int, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(rounds):
        out = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True,
                             check=True, env={**os.environ, "AIRFLOW__CORE__LOAD_EXAMPLES": "False", **(env or {})})
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "include"))
    from gridcarbon import dbt_runner

    if not dbt_runner.manifest_available():
        dbt_runner.generate_manifest()
    with tempfile.TemporaryDirectory(prefix="bench_dag_parse_") as tmp:
        trivial = Path(tmp) / "trivial_dag.py"
        trivial.write_text(TRIVIAL_DAG)
        baseline = parse_seconds(trivial, args.rounds)
        results = {path.name: parse_seconds(path, args.rounds) for path in sorted(DAGS.glob("*.py"))}
        # the full manifest alone in a directory: dbt_runner renders from it when no slim copy sits beside it
        full = Path(tmp) / "full" / "manifest.json"
        full.parent.mkdir()
        shutil.copy2(dbt_runner.manifest_path(), full)
        full_render = parse_seconds(DAGS / "transform_warehouse.py", args.rounds,
                                    {"GRIDCARBON_DBT_MANIFEST": str(full)})
    print(f"trivial DAG (one @task): {baseline:.3f}s; budget per file {BUDGET_SECONDS:.1f}s; best of {args.rounds}")
    print(f"{'DAG file':<28} {'seconds':>8} {'x trivial':>10}")
    for name, seconds in results.items():
        flag = "" if seconds < BUDGET_SECONDS else "  OVER BUDGET"
        print(f"{name:<28} {seconds:>8.3f} {seconds / baseline:>10.1f}{flag}")
    slim = results["transform_warehouse.py"]
    print(f"transform_warehouse from the full manifest: {full_render:.3f}s; the slim copy takes "
          f"{slim / full_render:.2f}x of that")
    return 0 if all(s < BUDGET_SECONDS for s in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
