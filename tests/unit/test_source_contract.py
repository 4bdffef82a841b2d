"""The source contract across the registry (``gridcarbon.sources.registry``): every source's settings are frozen
values built from one snapshot of the environment, and every source module has a unit test that calls its
``fetch`` with plain values (a fake session or a local server, settings as values, no environment patching).

A user would otherwise see: a new source whose settings are read deep inside a fetch (a typo found hours into a
run, tests that patch variables), or a source whose fetch nobody ever called outside Airflow.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from gridcarbon.settings import Environment
from gridcarbon.sources.registry import SOURCES

UNIT_TESTS = Path(__file__).parent
PLAIN_FETCH_TEST = "test_fetch_with_plain_values"


def _modules_with_a_plain_fetch_test() -> set[str]:
    """Source modules imported (``from gridcarbon.sources import x``) by a unit test module that has a
    ``test_fetch_with_plain_values*`` test."""
    found: set[str] = set()
    for path in UNIT_TESTS.glob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(isinstance(node, ast.FunctionDef) and node.name.startswith(PLAIN_FETCH_TEST)
                   for node in tree.body):
            continue
        found |= {alias.name for node in tree.body
                  if isinstance(node, ast.ImportFrom) and node.module == "gridcarbon.sources"
                  for alias in node.names}
    return found


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_settings_are_frozen_values_with_their_defaults_from_an_empty_environment(name: str) -> None:
    settings = SOURCES[name].settings(Environment({}))
    assert dataclasses.is_dataclass(settings) and type(settings).__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert settings == type(settings)(), "defaults differ between Settings() and Settings.from_env"


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_source_module_has_a_unit_test_calling_fetch_with_plain_values(name: str) -> None:
    modules = {feed.fetch.__module__.rsplit(".", 1)[-1] for feed in SOURCES[name].feeds}
    missing = modules - _modules_with_a_plain_fetch_test()
    assert not missing, f"no {PLAIN_FETCH_TEST}* unit test imports {sorted(missing)} (source {name})"
