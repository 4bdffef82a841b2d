"""Core helpers every source relies on: connections, windows, COPY serialisation, HTTP errors and retries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from gridcarbon.connections import resolve_endpoint
from gridcarbon.errors import MalformedPayloadError, SourceAuthError, SourceError, SourceUnavailableError
from gridcarbon.http import build_session, fetch, json_body, redact
from gridcarbon.intervals import Window, parse_utc, window_from_context
from gridcarbon.warehouse import CopyStream, LoadError

UTC = UTC


def test_undefined_connection_falls_back_to_the_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """A user who defines no `smard` connection talks to smard.de itself."""
    monkeypatch.delenv("AIRFLOW_CONN_SMARD", raising=False)
    endpoint = resolve_endpoint("smard", "https://www.smard.de/app/")
    assert endpoint.base_url == "https://www.smard.de/app"
    assert endpoint.password is None


def test_json_connection_points_a_source_at_a_mirror_and_hides_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """The connection host is the base URL; the credential never shows up in repr/logs."""
    monkeypatch.setenv("AIRFLOW_CONN_EIA", json.dumps({"conn_type": "http", "host": "http://127.0.0.1:9/eia/v2",
                                                      "password": "s3cret-key"}))
    endpoint = resolve_endpoint("eia", "https://api.eia.gov/v2")
    assert endpoint.base_url == "http://127.0.0.1:9/eia/v2"
    assert endpoint.password == "s3cret-key"
    assert "s3cret-key" not in repr(endpoint)
    assert endpoint.url("electricity/rto/fuel-type-data/data/") == (
        "http://127.0.0.1:9/eia/v2/electricity/rto/fuel-type-data/data/")


def test_uri_connection_with_host_schema_and_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Airflow's URI form works too: https://user:pass@host:port/path."""
    monkeypatch.setenv("AIRFLOW_CONN_ISONE", "https://me:p%40ss@mirror.example:8443/isone")
    endpoint = resolve_endpoint("isone", "https://webservices.iso-ne.com/api/v1.1")
    assert endpoint.base_url == "https://mirror.example:8443/isone"
    assert (endpoint.login, endpoint.password) == ("me", "p@ss")


def test_redact_removes_api_keys_from_urls() -> None:
    """The EIA key is a query parameter: error messages and logs show *** instead."""
    assert redact("https://api.eia.gov/v2/x?api_key=ABC123&length=5000") == (
        "https://api.eia.gov/v2/x?api_key=***&length=5000")


def test_window_from_data_interval_and_from_manual_conf() -> None:
    """Scheduled runs use their data interval; a manual run can widen it with conf."""
    start = datetime(2025, 3, 30, 0, tzinfo=UTC)
    ctx = {"data_interval_start": start, "data_interval_end": start + timedelta(hours=1),
           "dag_run": SimpleNamespace(conf={})}
    assert window_from_context(ctx) == Window(start, start + timedelta(hours=1))
    ctx["dag_run"] = SimpleNamespace(conf={"window_start": "2025-03-01", "window_end": "2025-04-01T00:00:00+02:00"})
    window = window_from_context(ctx)
    assert window.start == datetime(2025, 3, 1, tzinfo=UTC)
    assert window.end == datetime(2025, 3, 31, 22, tzinfo=UTC)


def test_window_from_airflow_data_interval_survives_arithmetic() -> None:
    """Scheduled, catch-up and backfill runs get pendulum ``DateTime`` bounds from Airflow. Widening such a
    window by a look-back used to come back naive and every scheduled run failed with "window bounds must be
    timezone-aware" (only conf windows, parsed from strings, worked)."""
    import pendulum

    start = pendulum.datetime(2025, 3, 2, 4, tz="UTC")
    ctx = {"data_interval_start": start, "data_interval_end": start.add(hours=1), "dag_run": SimpleNamespace(conf={})}
    window = window_from_context(ctx)
    widened = window.widened(timedelta(hours=48))
    assert widened.start == datetime(2025, 2, 28, 4, tzinfo=UTC)
    assert type(widened.start) is datetime and widened.start.tzinfo is not None
    # the same for bounds in another zone (a DAG timetable in Europe/Berlin)
    berlin = pendulum.datetime(2025, 3, 30, 1, tz="Europe/Berlin")
    widened_berlin = Window(berlin, berlin.add(hours=2)).widened(timedelta(hours=1))
    assert widened_berlin.start == datetime(2025, 3, 29, 23, tzinfo=UTC)
    assert datetime(2025, 3, 2, tzinfo=UTC) < window.start  # comparable with plain aware datetimes


def test_manual_run_without_logical_date_loads_the_latest_complete_interval() -> None:
    """Airflow 3 lets a user trigger a run without a logical date (REST API, trigger form): it has no data
    interval. The user used to see the task fail with "task context has no data interval"; it now loads the
    latest complete interval of the DAG's timetable before the run was triggered."""
    from airflow.sdk import CronDataIntervalTimetable

    dag = SimpleNamespace(timetable=CronDataIntervalTimetable("5 * * * *", timezone="UTC"))
    run = SimpleNamespace(conf={}, run_after=datetime(2026, 12, 3, 8, 29, 55, tzinfo=UTC))
    window = window_from_context({"dag": dag, "dag_run": run, "data_interval_start": None, "data_interval_end": None})
    assert window == Window(datetime(2026, 12, 3, 7, 5, tzinfo=UTC), datetime(2026, 12, 3, 8, 5, tzinfo=UTC))
    run.run_after = datetime(2026, 12, 3, 8, 5, 30, tzinfo=UTC)  # just after a boundary: that interval is complete
    assert window_from_context({"dag": dag, "dag_run": run}).end == datetime(2026, 12, 3, 8, 5, tzinfo=UTC)
    with pytest.raises(ValueError, match="no data interval"):
        window_from_context({"dag_run": SimpleNamespace(conf={})})


def test_window_rejects_empty_or_half_given_conf() -> None:
    """A typo in the conf fails the run with a message instead of loading nothing."""
    with pytest.raises(ValueError, match="empty window"):
        Window(parse_utc("2025-01-02"), parse_utc("2025-01-01"))
    with pytest.raises(ValueError, match="both window_start and window_end"):
        window_from_context({"dag_run": SimpleNamespace(conf={"window_start": "2025-01-01"})})


def test_copy_stream_escapes_text_and_writes_null() -> None:
    """Plant names with tabs or backslashes survive COPY; None becomes NULL, not an empty string."""
    ts = datetime(2024, 1, 2, 8, tzinfo=UTC)
    text = CopyStream([("a\tb\\c", None, ts, 1.5, True)]).read()
    assert text == "a\\tb\\\\c\t\\N\t2024-01-02T08:00:00+00:00\t1.5\tt\n"
    with pytest.raises(LoadError, match="naive datetime"):
        CopyStream([(datetime(2024, 1, 1),)]).read()


def _fault(server, **spec) -> None:
    import requests

    requests.post(server.base_url + "/_faults", json=spec, timeout=5).raise_for_status()


def test_http_retries_429_with_retry_after_then_succeeds(replay_server) -> None:
    """A rate-limited API answers 429 twice: the session waits (Retry-After) and the third try succeeds."""
    import requests

    requests.delete(replay_server.base_url + "/_requests", timeout=5)
    _fault(replay_server, source="nosuchsource", path_contains="/ping", status=429, times=2, retry_after=0)
    session = build_session(backoff=0.0)
    with pytest.raises(SourceError, match="HTTP 404"):  # after the two 429s: the real (404) answer
        fetch(session, replay_server.source_url("nosuchsource", "/ping"), source="nosuchsource")
    log = requests.get(replay_server.base_url + "/_requests", timeout=5).json()
    assert [r["path"] for r in log if r["source"] == "nosuchsource"] == ["/ping"] * 3


def test_http_gives_up_on_persistent_503_with_a_clear_error(replay_server) -> None:
    """After the retries, the user sees source, URL and interval in the task log."""
    _fault(replay_server, source="flaky", path_contains="/data", status=503, times=10, retry_after=0)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with pytest.raises(SourceUnavailableError) as err:
        fetch(build_session(retries=2, backoff=0.0), replay_server.source_url("flaky", "/data"), source="flaky",
              start=start, end=start + timedelta(hours=1))
    message = str(err.value)
    assert "HTTP 503 after retries" in message and "source=flaky" in message
    assert "interval=[2025-01-01T00:00:00+00:00, 2025-01-01T01:00:00+00:00)" in message
    import requests

    requests.delete(replay_server.base_url + "/_faults", timeout=5)


def test_http_401_fails_at_once_naming_the_connection(replay_server) -> None:
    """A wrong token is not retried: the message says which Airflow connection to fix."""
    import requests

    requests.delete(replay_server.base_url + "/_requests", timeout=5)
    _fault(replay_server, source="locked", path_contains="/x", status=401, times=5)
    with pytest.raises(SourceAuthError, match="Airflow connection 'locked'"):
        fetch(build_session(backoff=0.0), replay_server.source_url("locked", "/x?api_key=SECRET"), source="locked")
    log = requests.get(replay_server.base_url + "/_requests", timeout=5).json()
    assert len([r for r in log if r["source"] == "locked"]) == 1
    requests.delete(replay_server.base_url + "/_faults", timeout=5)


def test_json_body_names_the_url_on_malformed_json(replay_server) -> None:
    """An HTML error page instead of JSON becomes a MalformedPayloadError with the URL, key redacted."""
    _fault(replay_server, source="html", path_contains="/page", status=200, times=1, body="<html>oops</html>")
    response = fetch(build_session(), replay_server.source_url("html", "/page?api_key=SECRET"), source="html")
    with pytest.raises(MalformedPayloadError) as err:
        json_body(response, source="html")
    assert "api_key=***" in str(err.value) and "SECRET" not in str(err.value)


def test_http_settings_are_read_once_from_values_with_the_documented_defaults() -> None:
    """The README's configuration table: retries 4, backoff 1.0 s, backoff cap 120 s, fetch deadline 300 s,
    under the same variable names; a malformed value fails when the task starts, naming the variable."""
    from gridcarbon.http import HttpSettings
    from gridcarbon.settings import Environment

    assert HttpSettings.from_env(Environment({})) == HttpSettings(retries=4, backoff=1.0, backoff_max=120.0,
                                                                   deadline=300.0)
    assert HttpSettings.from_env(Environment({
        "GRIDCARBON_HTTP_RETRIES": "2", "GRIDCARBON_HTTP_BACKOFF": "0.5", "GRIDCARBON_HTTP_BACKOFF_MAX": "7",
        "GRIDCARBON_HTTP_DEADLINE": "9.5"})) == HttpSettings(retries=2, backoff=0.5, backoff_max=7.0, deadline=9.5)
    with pytest.raises(ValueError, match="GRIDCARBON_HTTP_DEADLINE='soon' is not a number"):
        HttpSettings.from_env(Environment({"GRIDCARBON_HTTP_DEADLINE": "soon"}))
    with pytest.raises(ValueError, match="GRIDCARBON_HTTP_RETRIES=-1 must be >= 0"):
        HttpSettings.from_env(Environment({"GRIDCARBON_HTTP_RETRIES": "-1"}))


def test_a_session_carries_its_settings_down_to_every_fetch() -> None:
    """``build_session(settings)`` configures urllib3's Retry and the session's per-fetch deadline from values;
    keyword arguments override single values."""
    from gridcarbon.http import HttpSettings

    session = build_session(HttpSettings(retries=2, backoff=0.5, backoff_max=7.0, deadline=9.0), retries=3)
    retry = session.get_adapter("https://example.org").max_retries
    assert (retry.total, retry.backoff_factor, retry.backoff_max) == (3, 0.5, 7.0)
    assert session.deadline == 9.0
    assert build_session().deadline == 300.0 and build_session().get_adapter("http://x").max_retries.total == 4


def test_fetch_ends_at_the_deadline_of_its_session() -> None:
    """No variable read while the request runs: the deadline is the session's (``HttpSettings.deadline``)."""
    import time

    import requests

    class StalledSession:
        deadline = 0.05

        def request(self, method: str, url: str, **kwargs: object) -> object:
            time.sleep(0.3)
            raise requests.ConnectionError("connection closed by the deadline watchdog")

    with pytest.raises(SourceUnavailableError, match=r"overall deadline of 0\.05 s \(GRIDCARBON_HTTP_DEADLINE\)"):
        fetch(StalledSession(), "https://stalled.example/data", source="stalled")  # type: ignore[arg-type]
