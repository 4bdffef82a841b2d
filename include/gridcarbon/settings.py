"""Settings read from the environment, with documented defaults. Nothing here reads a secret."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def fixtures_dir() -> Path:
    """Where the recorded real API payloads live (read in place, never copied into the repository).

    ``GRIDCARBON_FIXTURES_DIR`` overrides the default ``<repo>/../shared/fixtures``.
    """
    return Path(os.environ.get("GRIDCARBON_FIXTURES_DIR", REPO_ROOT.parent / "shared" / "fixtures")).resolve()


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
