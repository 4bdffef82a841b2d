"""The ``columns:`` of every dbt source table, generated from its ``RawTable``.

A raw column is described once, in Python (``Column(name, sql_type, description)``, usually through a ``Record``
field's ``sql(...)``): the loader creates the table and its ``comment on column`` from it. The sources YAML under
``dbt_project/models/staging/<source>/_<source>__sources.yml`` carries the same names and descriptions for dbt docs;
this module writes them there, and ``tests/unit/test_dbt_source_columns.py`` fails when the YAML has drifted.

    python -m gridcarbon.dbt_source_columns          # rewrite the columns: blocks in place
    python -m gridcarbon.dbt_source_columns --check  # exit 1 and name the files that are not current

Only the ``columns:`` block of each source table is generated; the source's name, description, freshness and the
table's description stay hand-written. A column without a description in Python gets none in the YAML.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

from gridcarbon.warehouse import LOAD_METADATA_COLUMNS, RawTable

STAGING_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "staging"

# The load metadata every raw table carries (warehouse.LOAD_METADATA_COLUMNS), described here for dbt docs.
LOAD_METADATA_DESCRIPTIONS: dict[str, str] = {
    "_loaded_at": "When the row was loaded (load metadata).",
    "_dag_id": "DAG that loaded the row.",
    "_run_id": "DAG run that loaded the row.",
    "_window_start": "Start of the loaded window.",
    "_window_end": "End of the loaded window.",
}


def column_docs(table: RawTable) -> list[tuple[str, str]]:
    """(name, description) of every column of the raw table, in table order, load metadata last."""
    docs = [(column.name, column.description) for column in table.columns]
    if table.with_load_metadata:
        docs += [(name, LOAD_METADATA_DESCRIPTIONS[name]) for name, _ in LOAD_METADATA_COLUMNS]
    return docs


def columns_block(table: RawTable, indent: str) -> list[str]:
    """The YAML lines of the table's ``columns:`` block, ``columns:`` itself at ``indent``."""
    lines = [f"{indent}columns:"]
    for name, description in column_docs(table):
        lines.append(f"{indent}  - name: {name}")
        if description:
            # a JSON string is a YAML double-quoted scalar
            lines.append(f"{indent}    description: {json.dumps(description, ensure_ascii=False)}")
    return lines


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def render(text: str, tables: dict[tuple[str, str], RawTable]) -> str:
    """The sources YAML ``text`` with the ``columns:`` block of every table that is a raw table (found by the
    source's ``schema`` and the table's ``name``) replaced by the generated one; every other line kept as it is."""
    lines = text.split("\n")
    out: list[str] = []
    schema = ""
    tables_indent: int | None = None  # indent of the current source's `tables:` key
    table: RawTable | None = None
    index = 0
    while index < len(lines):
        line, stripped, indent = lines[index], lines[index].strip(), _indent_of(lines[index])
        if stripped.startswith("- name:") and tables_indent is not None and indent <= tables_indent:
            tables_indent, table = None, None  # the next source
        if stripped.startswith("schema:") and tables_indent is None:
            schema = stripped.split(":", 1)[1].strip()
        elif stripped == "tables:":
            tables_indent = indent
        elif tables_indent is not None and stripped.startswith("- name:") and indent == tables_indent + 2:
            table = tables.get((schema, stripped.split(":", 1)[1].strip()))
        elif table is not None and stripped == "columns:" and tables_indent is not None and indent == tables_indent + 4:
            out.extend(columns_block(table, line[:indent]))
            index += 1
            while index < len(lines) and _inside(lines, index, indent):  # the old block
                index += 1
            continue
        out.append(line)
        index += 1
    return "\n".join(out)


def _inside(lines: list[str], index: int, indent: int) -> bool:
    """Whether line ``index`` belongs to a block under a key at ``indent``: it, or for a blank line the next line
    that is not blank, is indented deeper."""
    for line in lines[index:]:
        if line.strip():
            return _indent_of(line) > indent
    return False


def source_files(staging_dir: Path = STAGING_DIR) -> list[Path]:
    return sorted(staging_dir.glob("*/_*__sources.yml"))


def raw_tables_by_key(tables: Iterable[RawTable] | None = None) -> dict[tuple[str, str], RawTable]:
    if tables is None:
        from gridcarbon.sources import all_raw_tables

        tables = all_raw_tables()
    return {(table.schema, table.name): table for table in tables}


def stale_files(staging_dir: Path = STAGING_DIR) -> list[Path]:
    """The sources YAML files whose ``columns:`` blocks are not what the raw tables generate."""
    tables = raw_tables_by_key()
    return [path for path in source_files(staging_dir) if render(path.read_text(), tables) != path.read_text()]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    tables = raw_tables_by_key()
    stale = []
    for path in source_files():
        text = path.read_text()
        rendered = render(text, tables)
        if rendered != text:
            stale.append(path)
            if "--check" not in args:
                path.write_text(rendered)
    verb = "not current" if "--check" in args else "rewritten"
    for path in stale:
        print(f"{verb}: {path}")
    return 1 if stale and "--check" in args else 0


if __name__ == "__main__":
    raise SystemExit(main())
