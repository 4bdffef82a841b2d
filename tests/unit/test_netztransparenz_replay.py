"""The netztransparenz replay (OAuth2 token endpoint and redispatch data service) and the source against it.

A user would otherwise see: a demo that cannot log in, wrong client credentials retried instead of reported,
or measures that overlap the window counted twice by two daily runs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from gridcarbon.connections import Endpoint
from gridcarbon.errors import SourceAuthError
from gridcarbon.http import build_session
from gridcarbon.intervals import Window
from gridcarbon.replay import netztransparenz as replay
from gridcarbon.settings import Environment
from gridcarbon.sources import netztransparenz as nt
from tests.conftest import fixture_path


def _endpoint(server, login: str = replay.CLIENT_ID, password: str = replay.CLIENT_SECRET) -> Endpoint:
    return Endpoint("netztransparenz", server.base_url + "/netztransparenz/api/v1", login=login,
                    password=password, extra={"token_url": server.base_url + "/netztransparenz/users/connect/token"})


def _measures(endpoint: Endpoint, window: Window, lookback: timedelta = timedelta(hours=48)) -> list:
    """What ``fetch`` answers for ``window`` (the settings as values)."""
    return nt.fetch(build_session(), endpoint, window, nt.Settings(lookback=lookback)).records


def test_token_endpoint_checks_client_credentials(replay_server) -> None:
    """The demo client gets a Bearer token valid for an hour; a wrong secret gets OAuth2's invalid_client."""
    url = replay_server.base_url + "/netztransparenz/users/connect/token"
    ok = requests.post(url, data={"grant_type": "client_credentials", "client_id": replay.CLIENT_ID,
                                  "client_secret": replay.CLIENT_SECRET}, timeout=5)
    assert ok.status_code == 200
    assert ok.json()["token_type"] == "Bearer" and ok.json()["expires_in"] == 3600
    bad = requests.post(url, data={"grant_type": "client_credentials", "client_id": replay.CLIENT_ID,
                                   "client_secret": "wrong"}, timeout=5)
    assert (bad.status_code, bad.json()) == (400, {"error": "invalid_client"})


def test_data_endpoint_requires_the_bearer_token(replay_server) -> None:
    """Without the token the data service answers 401."""
    url = replay_server.base_url + "/netztransparenz/api/v1/data/redispatch/2025-01-01T00:00:00/2025-01-02T00:00:00"
    assert requests.get(url, timeout=5).status_code == 401


def test_wrong_client_secret_raises_auth_error(replay_server) -> None:
    """A wrong client secret fails with SourceAuthError naming the connection's login/password."""
    window = Window(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 2, tzinfo=UTC))
    with pytest.raises(SourceAuthError, match=r"client secret.*'netztransparenz'"):
        _measures(_endpoint(replay_server, password="wrong"), window)


def test_recorded_2024_measures_are_served_for_2024_windows(replay_server) -> None:
    """A 2024 day comes from the recorded file (not synthetic) and contains the Heilbronn example row; every
    measure overlapping the window is kept, also one that started before it (issue 14), and the look-back
    (REDISPATCH_LOOKBACK_HOURS, 48 h) bounds how early they may start."""
    fixture_path("netztransparenz/redispatch_2024.csv")
    window = Window(datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 3, tzinfo=UTC))
    raw = requests.get(nt.redispatch_url(_endpoint(replay_server), window), timeout=10,
                       headers={"Authorization": f"Bearer {replay.ACCESS_TOKEN}"})
    assert "X-Gridcarbon-Synthetic" not in raw.headers
    assert raw.content.startswith(b"\xef\xbb\xbfBEGINN_DATUM;")
    # a 24 h look-back keeps the request inside the recorded year (the replay serves 2023-12-31 synthetic)
    measures = _measures(_endpoint(replay_server), window, timedelta(hours=24))
    assert all(window.start - timedelta(hours=24) <= m.start_utc < window.end for m in measures)
    assert any(m.affected_plant == "Reservekraftwerk Heilbronn Block 6" for m in measures)
    later = Window(datetime(2024, 1, 2, 10, tzinfo=UTC), datetime(2024, 1, 3, tzinfo=UTC))
    answered = nt.parse_redispatch_csv(requests.get(
        nt.redispatch_url(_endpoint(replay_server), later), timeout=10,
        headers={"Authorization": f"Bearer {replay.ACCESS_TOKEN}"}).content)
    assert any(m.affected_plant == "Reservekraftwerk Heilbronn Block 6" for m in answered)  # overlaps 10:00
    kept = _measures(_endpoint(replay_server), later, timedelta(hours=24))
    assert any(m.affected_plant == "Reservekraftwerk Heilbronn Block 6" for m in kept)  # started 08:00 UTC
    overlapping = {m.measure_id for m in answered if m.start_utc < later.end and m.end_utc > later.start}
    assert overlapping <= {m.measure_id for m in kept}


def test_synthetic_measures_outside_2024_are_plausible_and_deterministic(replay_server) -> None:
    """For 2025 the replay generates a few measures per day in the published CSV format, marked synthetic;
    the same window always gives the same measures, with the documented TSOs and directions."""
    window = Window(datetime(2025, 3, 29, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC))
    raw = requests.get(nt.redispatch_url(_endpoint(replay_server), window), timeout=10,
                       headers={"Authorization": f"Bearer {replay.ACCESS_TOKEN}"})
    assert raw.headers.get("X-Gridcarbon-Synthetic") == "true"
    first = _measures(_endpoint(replay_server), window, timedelta(0))
    second = _measures(_endpoint(replay_server), window, timedelta(0))
    assert first == second
    assert 6 <= len(first) <= 15
    assert {m.instructing_tso for m in first} <= {"TenneT DE", "50Hertz", "Amprion", "TransnetBW"}
    assert {m.direction for m in first} <= {"up", "down"}
    for m in first:
        assert m.total_mwh > 0 and m.max_mw >= m.mean_mw > 0
        hours = (m.end_utc - m.start_utc) / timedelta(hours=1)
        assert float(m.total_mwh) == pytest.approx(float(m.mean_mw) * hours, rel=0.02, abs=0.5)


def test_daily_windows_cover_the_measures_of_one_longer_run(replay_server) -> None:
    """Three daily runs together read exactly the measures of one three-day run (same ids, same values; the
    look-back makes consecutive runs overlap, and the load replaces, so nothing is stored twice)."""
    endpoint = _endpoint(replay_server)
    start = datetime(2025, 10, 25, tzinfo=UTC)
    days = [_measures(endpoint, Window(start + timedelta(days=i), start + timedelta(days=i + 1))) for i in range(3)]
    whole = _measures(endpoint, Window(start, start + timedelta(days=3)))
    assert {m for d in days for m in d} == set(whole)
    assert len({m.measure_id for m in whole}) == len(whole)


def test_power_plant_list_from_a_url(replay_server) -> None:
    """GRIDCARBON_POWER_PLANTS_CSV may be an http(s) URL (e.g. the OPSD download): the list is fetched (through
    the task's session) and parsed like the file; it replaces the whole table (no window)."""
    lines = fixture_path("netztransparenz/conventional_power_plants_DE.csv").read_text(encoding="utf-8").splitlines()
    requests.post(replay_server.base_url + "/_faults", timeout=5,
                  json={"source": "opsd", "status": 200, "times": 1, "body": "\n".join(lines[:6]) + "\n"})
    url = replay_server.base_url + "/opsd/conventional_power_plants_DE.csv"
    settings = nt.Settings.from_env(Environment({"GRIDCARBON_POWER_PLANTS_CSV": url}))
    answer = nt.fetch_power_plants(build_session(), _endpoint(replay_server), Window(
        datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 2, tzinfo=UTC)), settings)
    assert answer.window is None and answer.url == url
    plants = answer.records
    assert [p.plant_key for p in plants][:2] == ["BNA0012a", "BNA0021"]
    assert len(plants) == 5
