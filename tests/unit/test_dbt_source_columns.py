"""Raw column docs have one truth: the ``RawTable`` declarations. The dbt sources YAML is generated from them
(``python -m gridcarbon.dbt_source_columns``); these tests fail when the YAML drifts (a column added, renamed,
dropped or described differently on either side)."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from gridcarbon.dbt_source_columns import (
    LOAD_METADATA_DESCRIPTIONS,
    column_docs,
    raw_tables_by_key,
    render,
    source_files,
)
from gridcarbon.warehouse import LOAD_METADATA_COLUMNS, Column, RawTable

REGENERATE = "run `python -m gridcarbon.dbt_source_columns` (the RawTable declarations are the truth)"


def _yaml_tables() -> dict[tuple[str, str], dict]:
    tables = {}
    for path in source_files():
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source.get("tables", []):
                tables[(source.get("schema", source["name"]), table["name"])] = table
    return tables


def test_every_raw_table_is_a_dbt_source_table_and_back() -> None:
    assert source_files(), "no sources YAML found"
    assert set(_yaml_tables()) == set(raw_tables_by_key())


@pytest.mark.parametrize("key", sorted(raw_tables_by_key()), ids=lambda key: ".".join(key))
def test_source_columns_equal_the_raw_table(key: tuple[str, str]) -> None:
    table = raw_tables_by_key()[key]
    documented = [(column["name"], column.get("description", "")) for column in _yaml_tables()[key].get("columns", [])]
    assert documented == column_docs(table), f"{table.qualified}: sources YAML differs from RawTable; {REGENERATE}"


def test_sources_yaml_is_what_the_generator_writes() -> None:
    tables = raw_tables_by_key()
    stale = [str(path) for path in source_files() if render(path.read_text(), tables) != path.read_text()]
    assert not stale, f"not current: {stale}; {REGENERATE}"


def test_load_metadata_columns_are_all_described() -> None:
    assert list(LOAD_METADATA_DESCRIPTIONS) == [name for name, _ in LOAD_METADATA_COLUMNS]


def test_render_replaces_only_the_columns_of_raw_tables() -> None:
    readings = RawTable(
        "raw_demo", "readings",
        (Column("reading_id", "int", "the reading's id"), Column("kwh", "numeric", 'energy: "metered", kWh'),
         Column("note", "text")),
        ("reading_id",), with_load_metadata=False,
    )
    drifted = (
        "        columns:\n"
        "          - name: reading_id\n"
        "            description: \"Drifted.\"\n"
        "\n"
        "          - name: gone\n"
    )
    generated = (
        "        columns:\n"
        "          - name: reading_id\n"
        "            description: \"the reading's id\"\n"
        "          - name: kwh\n"
        "            description: \"energy: \\\"metered\\\", kWh\"\n"
        "          - name: note\n"
    )
    text = textwrap.dedent("""\
        sources:
          - name: raw_demo
            schema: raw_demo
            tables:
              - name: readings
                description: Hand-written, kept.
        COLUMNS        config:
                  freshness: null
              - name: not_a_raw_table
                columns:
                  - name: kept
          - name: raw_other
            schema: raw_other
            tables:
              - name: readings
                columns:
                  - name: kept_too
        """)
    tables = {("raw_demo", "readings"): readings}
    # only the columns: block of the raw table changes
    assert render(text.replace("COLUMNS", drifted), tables) == text.replace("COLUMNS", generated)
