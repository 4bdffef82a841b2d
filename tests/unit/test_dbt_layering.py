"""Materialisation rules of the dbt project that keep parallel builds safe on Postgres.

dbt-postgres replaces a view or table by renaming the old relation to ``<name>__dbt_backup`` and dropping that
with CASCADE, which drops every view built on it. A view that selects from two such relations is therefore
dropped by two concurrent model builds at once (dbt threads, or parallel Cosmos tasks under the scheduler);
Postgres then reports ``deadlock detected ... class 2618`` (pg_rewrite) and the build fails
(dbt-labs/dbt-core#9246; it happened to our CI on the second ``dbt build`` of test_dbt_foundation, where a
view read two staging views). A view on a replaced relation that is not in the selection also silently
vanishes. The rule: a view reads only sources (raw tables, loaded by Airflow, never replaced by dbt) and seeds.
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


def views_reading_dbt_built_relations(manifest: dict[str, Any]) -> list[str]:
    nodes = manifest["nodes"]
    offenders = []
    for node in nodes.values():
        if node["resource_type"] != "model" or node["config"].get("materialized") != "view":
            continue
        for parent in node["depends_on"]["nodes"]:
            if parent.startswith("source.") or nodes[parent]["resource_type"] == "seed":
                continue
            offenders.append(f"{node['name']} reads {nodes[parent]['name']}")
    return sorted(offenders)


def test_views_read_only_sources_and_seeds() -> None:
    offenders = views_reading_dbt_built_relations(project_manifest())
    assert offenders == [], (
        "these views read relations dbt replaces (DROP ... CASCADE), so concurrent dbt builds can deadlock; "
        f"materialise them as tables: {offenders}")


def test_the_rule_catches_views_on_dbt_built_relations() -> None:
    """The check itself: the layout the CI deadlock came from (an intermediate view on two staging views), and a
    view on a table model; a staging view on a source and a seed passes."""
    def model(name: str, materialized: str, parents: list[str]) -> dict[str, Any]:
        return {"resource_type": "model", "name": name, "config": {"materialized": materialized},
                "depends_on": {"nodes": parents}}

    manifest = {"nodes": {
        "seed.p.fuel_map": {"resource_type": "seed", "name": "fuel_map", "config": {}, "depends_on": {"nodes": []}},
        "model.p.stg_a": model("stg_a", "view", ["source.p.raw.a", "seed.p.fuel_map"]),
        "model.p.stg_b": model("stg_b", "view", ["source.p.raw.b"]),
        "model.p.int_ab": model("int_ab", "view", ["model.p.stg_a", "model.p.stg_b"]),
        "model.p.fct": model("fct", "table", ["model.p.int_ab"]),
        "model.p.int_on_fct": model("int_on_fct", "view", ["model.p.fct"]),
    }}
    assert views_reading_dbt_built_relations(manifest) == [
        "int_ab reads stg_a", "int_ab reads stg_b", "int_on_fct reads fct"]
