"""Settings read from the environment, with documented defaults. Nothing here reads a secret.

A source's settings are read once, at the task boundary: the shared task runner takes one snapshot of the
environment (``Environment.current()``) and each source turns it into its own frozen, typed ``Settings``
(``<module>.Settings.from_env``). Library functions (fetch, parse, load) take those values, never the
environment, so a test passes ``Settings(lookback=timedelta(0))`` instead of patching variables.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

REPO_ROOT = Path(__file__).resolve().parents[2]
N = TypeVar("N", int, float)


DEFAULT_FIXTURES_DIR = REPO_ROOT.parent / "shared" / "fixtures"


def fixtures_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where the recorded real API payloads live (read in place, never copied into the repository).

    ``GRIDCARBON_FIXTURES_DIR`` in ``env`` (default: the process environment) overrides the default
    ``<repo>/../shared/fixtures``.
    """
    raw = (os.environ if env is None else env).get("GRIDCARBON_FIXTURES_DIR")
    return Path(raw or DEFAULT_FIXTURES_DIR).resolve()


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def env_str(name: str, default: str) -> str:
    raw = os.environ.get(name)
    return default if raw in (None, "") else raw


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


@dataclass(frozen=True)
class Environment:
    """One snapshot of environment variables with typed readers; an unset or empty variable gives the default.

    ``Environment.current()`` at the task boundary; ``Environment({"SMARD_REGIONS": "DE"})`` in a test.
    """

    values: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def current(cls) -> Environment:
        return cls(dict(os.environ))

    def text(self, name: str, default: str) -> str:
        raw = self.values.get(name)
        return default if raw in (None, "") else str(raw)

    def integer(self, name: str, default: int, *, minimum: int | None = None) -> int:
        return self._number(name, default, int, "a whole number", minimum)

    def number(self, name: str, default: float, *, minimum: float | None = None) -> float:
        """A decimal number (seconds, factors)."""
        return self._number(name, default, float, "a number", minimum)

    def _number(self, name: str, default: N, kind: Callable[[str], N], what: str, minimum: N | None) -> N:
        raw = self.text(name, "")
        try:
            value = default if raw == "" else kind(raw)
        except ValueError:
            raise ValueError(f"{name}={raw!r} is not {what}") from None
        if minimum is not None and not value >= minimum:  # also refuses nan
            raise ValueError(f"{name}={value} must be >= {minimum}")
        return value

    def items(self, name: str, default: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """A comma-separated list (blank items dropped)."""
        raw = self.text(name, "")
        if raw == "":
            return tuple(default)
        return tuple(item.strip() for item in raw.split(",") if item.strip())

    def hours(self, name: str, default: int) -> timedelta:
        """A non-negative number of hours (look-backs)."""
        return timedelta(hours=self.integer(name, default, minimum=0))

    def minutes(self, name: str, default: int) -> timedelta:
        return timedelta(minutes=self.integer(name, default, minimum=0))

    def day(self, name: str, default: date) -> date:
        raw = self.text(name, "")
        try:
            return default if raw == "" else date.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"{name}={raw!r} is not a date (YYYY-MM-DD)") from None
