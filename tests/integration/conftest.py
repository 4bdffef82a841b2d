"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gridcarbon.warehouse import connect
from tests.integration.iso_helpers import replay_control


@pytest.fixture()
def loader(replay_connections: Any, warehouse_db: str) -> Iterator[Any]:
    """A loader connection to the test warehouse, with the replay server's injected faults cleared."""
    replay_control(replay_connections, "_faults", "DELETE")
    conn = connect(warehouse_db)
    yield conn
    replay_control(replay_connections, "_faults", "DELETE")
    conn.close()
