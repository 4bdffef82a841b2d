"""Materialisation rules of the dbt project that keep parallel builds safe on Postgres.

dbt-postgres replaces a view by renaming the old one to ``<name>__dbt_backup`` and dropping that with CASCADE.
A view that selects from two views is therefore dropped by two concurrent model builds at once (dbt threads, or
parallel Cosmos tasks under the scheduler); Postgres then reports ``deadlock detected ... class 2618``
(pg_rewrite) and the build fails (dbt-labs/dbt-core#9246; it happened to our CI on the second ``dbt build`` of
test_dbt_foundation). A view downstream of a replaced view that is not in the selection also silently vanishes.
The rule: a view may read raw tables (sources), seeds and tables, never another view.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from gridcarbon import dbt_runner


def project_manifest() -> dict[str, Any]:
    manifest = dbt_runner.manifest_path()
    if not manifest.exists():  # `make test` writes it first (make manifest); a bare pytest run parses here
        subprocess.run([sys.executable, "-m", "gridcarbon.dbt_runner", "manifest"], env=dict(os.environ),
                       check=True, capture_output=True, text=True)
    return json.loads(manifest.read_text())


def views_reading_views(manifest: dict[str, Any]) -> list[str]:
    nodes = manifest["nodes"]
    views = {uid for uid, node in nodes.items()
             if node["resource_type"] == "model" and node["config"].get("materialized") == "view"}
    return sorted(f"{nodes[uid]['name']} reads {nodes[parent]['name']}"
                  for uid in views for parent in nodes[uid]["depends_on"]["nodes"] if parent in views)


def test_no_view_selects_from_another_view() -> None:
    offenders = views_reading_views(project_manifest())
    assert offenders == [], (
        "these views read other views, so concurrent dbt builds can deadlock on DROP ... CASCADE; "
        f"materialise the downstream model as a table: {offenders}")


def test_the_rule_catches_a_view_on_a_view() -> None:
    """The check itself: the layout the CI deadlock came from (an intermediate view on two staging views)."""
    def model(name: str, materialized: str, parents: list[str]) -> dict[str, Any]:
        return {"resource_type": "model", "name": name, "config": {"materialized": materialized},
                "depends_on": {"nodes": [f"model.p.{p}" for p in parents]}}

    manifest = {"nodes": {
        "model.p.stg_a": model("stg_a", "view", []),
        "model.p.stg_b": model("stg_b", "view", []),
        "model.p.int_ab": model("int_ab", "view", ["stg_a", "stg_b"]),
        "model.p.fct": model("fct", "table", ["int_ab"]),
    }}
    assert views_reading_views(manifest) == ["int_ab reads stg_a", "int_ab reads stg_b"]
