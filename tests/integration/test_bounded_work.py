"""Bounded work: every fetch ends within its overall deadline, ``Retry-After`` waits at most the backoff cap.

Against the replay server's fault injection (``drip_seconds``: one byte every 20 s, a stalled server).

Case | what the user saw before | test
- a server dripping the body one byte every 20 s (headers at once) | the read timeout is per read, so the
  request (and the task) never ended; >300 s observed | ``test_dripping_server_ends_at_the_deadline[body]``
- a server dripping from the status line on | same, before the headers were even read
  | ``test_dripping_server_ends_at_the_deadline[status]``
- ``Retry-After: 150`` with ``GRIDCARBON_HTTP_BACKOFF_MAX=2`` | waited the full 150 s
  | ``test_retry_after_is_capped_at_backoff_max``
- a fetch that answers normally | unchanged: the deadline watchdog must not cut healthy answers
  | ``test_healthy_fetch_is_untouched_by_the_deadline``
- a task without ``execution_timeout`` | tests/dags/test_task_deadlines.py
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from gridcarbon.errors import SourceUnavailableError
from gridcarbon.http import HttpSettings, build_session, fetch
from gridcarbon.settings import Environment
from tests.integration.iso_helpers import inject_fault, replay_control

pytestmark = pytest.mark.integration

DRIP_EVERY = 20.0  # seconds between bytes: longer than the deadline, shorter than the 60 s read timeout
PATH = "/v2/electricity/rto/fuel-type-data/facet/respondent?api_key=bounded-work-key"


@pytest.fixture()
def server(replay_server: Any) -> Any:
    replay_control(replay_server, "_faults", "DELETE")
    replay_control(replay_server, "_requests", "DELETE")
    yield replay_server
    replay_control(replay_server, "_faults", "DELETE")


@pytest.mark.parametrize("drip_from", ["body", "status"], ids=["body", "status"])
def test_dripping_server_ends_at_the_deadline(server: Any, drip_from: str) -> None:
    """Without an overall deadline this test sits 20 s per byte (40 s for the body, minutes from the status
    line), then gets the answer and fails."""
    settings = HttpSettings.from_env(Environment({"GRIDCARBON_HTTP_DEADLINE": "1"}))  # as a task resolves it
    inject_fault(server, source="eia", path_contains="respondent", status=200, times=1, body="{}",
                 drip_seconds=DRIP_EVERY, drip_from=drip_from)
    session = build_session(settings, timeout=(5.0, 60.0))
    with pytest.raises(SourceUnavailableError) as caught:
        fetch(session, server.source_url("eia", PATH), source="eia")
    message = str(caught.value)
    print(message)
    assert "overall deadline of 1 s" in message and "GRIDCARBON_HTTP_DEADLINE" in message
    assert "bounded-work-key" not in message
    served = [r for r in replay_control(server, "_requests") if r["source"] == "eia"]
    assert len(served) == 1, f"retried after the deadline: {served}"


def test_retry_after_is_capped_at_backoff_max(server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The waits urllib3 asks for are recorded instead of slept (no clock in the assertion)."""
    settings = HttpSettings.from_env(Environment({"GRIDCARBON_HTTP_BACKOFF_MAX": "2"}))  # as a task resolves it
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    inject_fault(server, source="eia", path_contains="respondent", status=429, times=1, retry_after=150,
                 body="slow down")
    response = fetch(build_session(settings), server.source_url("eia", PATH), source="eia")
    assert response.status_code == 200
    assert waits, "no wait at all before the retry"
    assert max(waits) <= 2, f"waited {waits} s, past GRIDCARBON_HTTP_BACKOFF_MAX=2"


def test_healthy_fetch_is_untouched_by_the_deadline(server: Any) -> None:
    session = build_session()
    for _ in range(3):  # pooled connections reused across fetches, each with its own deadline
        response = fetch(session, server.source_url("eia", PATH), source="eia", deadline=30.0)
        assert response.status_code == 200 and response.json()["response"]["facets"]
