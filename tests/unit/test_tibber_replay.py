"""The Tibber replay (generated demo homes) and the source's paging against it.

A user would otherwise see: a demo with duplicated or missing hours on DST days, an EV split with no EV to
find, a paging bug that silently loses the first or last hour of a window, or an invalid token that is not
reported as one.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests

from gridcarbon.connections import Endpoint
from gridcarbon.errors import SourceAuthError
from gridcarbon.http import build_session
from gridcarbon.intervals import Window
from gridcarbon.replay import tibber as replay
from gridcarbon.replay.core import SYNTHETIC_HEADER, ReplayRequest
from gridcarbon.sources import tibber

HOUR = timedelta(hours=1)


def _all_nodes(home: replay.DemoHome, day_start: datetime, day_end: datetime) -> list[dict]:
    after = replay.cursor_for(day_start - HOUR)
    n = int((day_end - day_start) / HOUR)
    return replay.page(home, "HOURLY", first=n, after=after)["nodes"]


@pytest.mark.parametrize(("local_day", "start", "end", "hours"), [
    ("2025-03-30", datetime(2025, 3, 29, 23, tzinfo=UTC), datetime(2025, 3, 30, 22, tzinfo=UTC), 23),
    ("2025-10-26", datetime(2025, 10, 25, 22, tzinfo=UTC), datetime(2025, 10, 26, 23, tzinfo=UTC), 25),
])
def test_dst_days_have_23_and_25_distinct_hours(local_day: str, start: datetime, end: datetime, hours: int) -> None:
    """The local DST days give 23 / 25 hourly nodes, all distinct in UTC, all starting on that local day;
    in October two nodes carry the local label 02:00 (+02:00 and +01:00)."""
    nodes = _all_nodes(replay.DEMO_HOME_FLAT, start, end)
    records = tibber.parse_consumption_nodes(nodes, home_id="x", resolution="HOURLY")
    assert len(records) == hours
    assert len({r.interval_start_utc for r in records}) == hours
    assert all(n["from"].startswith(local_day) for n in nodes)
    assert records[0].interval_start_utc == start and records[-1].interval_end_utc == end
    if hours == 25:
        assert [n["from"][11:] for n in nodes].count("02:00:00.000+02:00") == 1
        assert [n["from"][11:] for n in nodes].count("02:00:00.000+01:00") == 1


def test_household_profile_is_realistic_and_deterministic() -> None:
    """Base-load hours (no EV) stay between 0.2 and 1.5 kWh with an evening peak above the night; the same
    hour always has the same value."""
    start = datetime(2025, 3, 1, tzinfo=UTC)
    nodes = _all_nodes(replay.DEMO_HOME_FLAT, start, start + 28 * 24 * HOUR)
    values = [n["consumption"] for n in nodes]
    assert min(values) >= 0.2 and max(values) <= 1.5
    by_hour: dict[str, list[float]] = {}
    for n in nodes:
        by_hour.setdefault(n["from"][11:13], []).append(n["consumption"])
    assert sum(by_hour["19"]) / len(by_hour["19"]) > 2 * sum(by_hour["03"]) / len(by_hour["03"])
    assert _all_nodes(replay.DEMO_HOME_FLAT, start, start + 24 * HOUR) == nodes[:24]


def test_ev_home_charges_at_11_kw_with_full_and_partial_hours() -> None:
    """Over a month the EV home has full charging hours (11 kWh + base) and partial ones; the other home
    never exceeds 1.5 kWh."""
    start = datetime(2025, 3, 1, tzinfo=UTC)
    nodes = _all_nodes(replay.DEMO_HOME_EV, start, start + 31 * 24 * HOUR)
    full = [n for n in nodes if n["consumption"] >= 11.2]
    partial = [n for n in nodes if 2.0 < n["consumption"] < 11.0]
    assert len(full) >= 5 and len(partial) >= 5
    assert max(n["consumption"] for n in nodes) <= 11 + 1.5
    assert all(n["from"][11:13] in {"17", "18", "19", "20", "21", "22", "23", "00"} for n in full + partial)


def test_paging_after_and_before_like_the_real_api() -> None:
    """`first/after` pages continue exactly after the end cursor, `last/before` exactly before the start
    cursor; pages joined equal one big page."""
    home = replay.DEMO_HOME_FLAT
    start = datetime(2025, 3, 29, tzinfo=UTC)
    big = replay.page(home, "HOURLY", first=48, after=replay.cursor_for(start - HOUR))["nodes"]
    p1 = replay.page(home, "HOURLY", first=20, after=replay.cursor_for(start - HOUR))
    p2 = replay.page(home, "HOURLY", first=28, after=p1["pageInfo"]["endCursor"])
    assert p1["nodes"] + p2["nodes"] == big
    assert p1["pageInfo"]["hasNextPage"] is True and p1["pageInfo"]["count"] == 20
    back = replay.page(home, "HOURLY", last=10, before=p2["pageInfo"]["startCursor"])
    assert back["nodes"] == p1["nodes"][-10:]
    assert replay.decode_cursor(p1["pageInfo"]["startCursor"]) == start


def test_quarter_hourly_nodes_sum_to_the_hour() -> None:
    """QUARTER_HOURLY nodes (if configured) are four per hour and add up to the HOURLY node."""
    home = replay.DEMO_HOME_EV
    start = datetime(2025, 3, 3, 16, tzinfo=UTC)
    hourly = replay.page(home, "HOURLY", first=6, after=replay.cursor_for(start - HOUR))["nodes"]
    quarters = replay.page(home, "QUARTER_HOURLY", first=24,
                           after=replay.cursor_for(start - timedelta(minutes=15)))["nodes"]
    for i, node in enumerate(hourly):
        assert sum(q["consumption"] for q in quarters[4 * i: 4 * i + 4]) == pytest.approx(node["consumption"],
                                                                                         abs=0.003)


def _post(body: dict, token: str | None = "demo-token") -> dict:  # noqa: S107 - replay token
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    resp = replay.handle(ReplayRequest("POST", "/v1-beta/gql", "", headers, json.dumps(body).encode()))
    assert resp.headers.get(SYNTHETIC_HEADER) == "true"
    return {"status": resp.status, "body": json.loads(resp.body)}


def test_replay_answers_unauthenticated_like_tibber() -> None:
    """No token or the token `invalid` gets HTTP 200 with the UNAUTHENTICATED error shape of the recording."""
    from tests.conftest import fixture_path

    recorded = json.loads(fixture_path("tibber/tibber_gql_error_UNAUTHENTICATED.json").read_text())
    for token in (None, "invalid"):
        answer = _post({"query": tibber.HOMES_QUERY}, token)
        assert answer["status"] == 200
        assert answer["body"] == recorded


def test_replay_homes_have_stable_ids_berlin_and_eur() -> None:
    """Two demo homes with stable UUID-shaped ids, Europe/Berlin, EUR, today's 23-25 hourly prices."""
    answer = _post({"query": tibber.HOMES_QUERY})
    homes = tibber.parse_homes(answer["body"])
    assert [h.home_id for h, _ in homes] == [replay.DEMO_HOME_FLAT.home_id, replay.DEMO_HOME_EV.home_id]
    assert {h.time_zone for h, _ in homes} == {"Europe/Berlin"}
    assert {h.currency for h, _ in homes} == {"EUR"}
    for _, prices in homes:
        assert len(prices) in (23, 24, 25, 46, 47, 48, 49, 50)


def test_fetch_pages_through_the_replay_server(replay_server) -> None:
    """With pages of 7 nodes the source fetches exactly the widened window for both homes: no hour missing,
    none twice, none outside."""
    endpoint = Endpoint("tibber", replay_server.base_url + "/tibber/v1-beta/gql", password="demo")
    window = Window(datetime(2025, 10, 26, tzinfo=UTC), datetime(2025, 10, 27, tzinfo=UTC))
    answer = tibber.fetch(build_session(), endpoint, window,
                          tibber.Settings(page_size=7, resolution="HOURLY", lookback=timedelta(hours=48)))
    fetched = answer.records
    assert answer.window == fetched.window
    assert fetched.window == Window(datetime(2025, 10, 24, tzinfo=UTC), datetime(2025, 10, 27, tzinfo=UTC))
    assert len(fetched.homes) == 2
    for data in fetched.homes:
        starts = [r.interval_start_utc for r in data.consumption]
        assert starts == [fetched.window.start + i * HOUR for i in range(72)]


def test_invalid_token_through_http_raises_auth_error(replay_server) -> None:
    """An invalid token fails at once with SourceAuthError (no retry storm) naming the connection."""
    endpoint = Endpoint("tibber", replay_server.base_url + "/tibber/v1-beta/gql", password="invalid")
    requests.delete(replay_server.base_url + "/_requests", timeout=5)
    window = Window(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 1, 1, tzinfo=UTC))
    with pytest.raises(SourceAuthError, match="connection 'tibber'"):
        tibber.fetch(build_session(), endpoint, window, tibber.Settings())
    served = [r for r in requests.get(replay_server.base_url + "/_requests", timeout=5).json()
              if r["source"] == "tibber"]
    assert len(served) == 1


def test_server_errors_are_retried_by_the_session(replay_server) -> None:
    """Two HTTP 503 answers are retried by the HTTP session and the run still succeeds."""
    endpoint = Endpoint("tibber", replay_server.base_url + "/tibber/v1-beta/gql", password="demo")
    requests.post(replay_server.base_url + "/_faults", json={"source": "tibber", "status": 503, "times": 2,
                                                              "retry_after": 0}, timeout=5)
    window = Window(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 1, 2, tzinfo=UTC))
    fetched = tibber.fetch(build_session(), endpoint, window, tibber.Settings(lookback=timedelta(0))).records
    assert [len(h.consumption) for h in fetched.homes] == [2, 2]
